# One image for every role: GATEWAY_ROLE=api|worker|all, or `npm run simulators` for the sandbox systems.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
ENV NODE_ENV=production HOST=0.0.0.0
EXPOSE 8080
CMD ["npm", "start"]
