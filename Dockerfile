# One image for every role: GATEWAY_ROLE=api|worker|all (`npm start`), or `npm run simulators` for the sandbox's
# remote systems. TypeScript runs through tsx: there is no build output, only dependencies to install.

# Stage 1: production dependencies from the lock, on the full image (compilers, should a native module need them).
FROM node:20-bookworm AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

# Stage 2: what runs: the slim image, the installed modules and the sources it needs, as the unprivileged `node` user.
FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY connectors ./connectors
COPY schemas ./schemas
COPY config ./config
COPY scripts ./scripts
COPY bin ./bin
# The only folders the gateway writes: the sandbox PKI and keys, the message log's archive (volumes in compose).
RUN mkdir -p var/sandbox var/message-log && chown -R node:node var
USER node
EXPOSE 8080 9090
# node itself, not npm: it receives SIGTERM and stops the gateway cleanly (compose adds an init for reaping).
CMD ["node", "--import", "tsx", "src/main.ts"]
