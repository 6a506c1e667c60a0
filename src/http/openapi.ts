import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI document, built by @fastify/swagger from the route schemas, at /docs (UI) and /docs/json.
 * Registered on the root instance (not inside a plugin of ours, whose scope would hide the other routes from it)
 * and before the routes, so it sees them all.
 */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      info: {
        title: 'Provincial integration gateway',
        version: '1',
        description:
          'Signed messages between a province\'s one-stop system and the national systems. Every error is {error, message, details:[{path, message}]}.',
      },
      components: {
        securitySchemes: {
          partnerKey: { type: 'http', scheme: 'bearer', description: 'Partner API key' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token (viewer or operator)' },
        },
      },
    },
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}

export const errorResponse = {
  type: 'object',
  properties: {
    error: { type: 'string', description: 'machine-readable code, e.g. SCHEMA_INVALID, CERT_REVOKED' },
    message: { type: 'string' },
    details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
  },
} as const;
