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
          partnerKey: { type: 'http', scheme: 'bearer', description: 'Partner API key: `Authorization: Bearer <api key>`' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'Admin token (viewer or operator): `Authorization: Bearer <admin token>`' },
        },
      },
      tags: [
        { name: 'partner', description: 'A province\'s systems: signed documents in, their fate out (partner API key)' },
        { name: 'bank', description: 'Payment providers\' callbacks, authenticated by their signature' },
        { name: 'portal', description: 'The national portal pushing online submissions, authenticated by its CMS signature' },
        { name: 'admin', description: 'The provincial IT centre\'s operators (admin token; viewers read, operators act)' },
        { name: 'operations', description: 'Health and Prometheus metrics' },
      ],
    },
    // The document is the API: the dashboard's page and assets, the queue board and these docs are not operations.
    transform: ({ schema, url }) => ({ schema: documented(url) ? schema : { ...schema, hide: true }, url }),
  });
  app.register(swaggerUi, { routePrefix: '/docs' });
}

const documented = (url: string) => /^\/(v\d+|admin\/api|health|metrics)(\/|$)/.test(url);
