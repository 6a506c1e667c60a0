import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const asset = (name: string) => readFileSync(new URL(`./dashboard/${name}`, import.meta.url), 'utf8');

/**
 * The /admin dashboard: three static files, no build step. The page holds no data of its own; everything comes
 * from /admin/api with the token the admin types in (kept in sessionStorage for the tab only).
 */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  const files = { html: asset('index.html'), js: asset('dashboard.js'), css: asset('dashboard.css') };
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', "default-src 'self'; frame-ancestors 'none'");
    reply.header('x-content-type-options', 'nosniff');
  });
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(files.html));
  app.get('/assets/dashboard.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(files.js));
  app.get('/assets/dashboard.css', async (_request, reply) => reply.type('text/css; charset=utf-8').send(files.css));
}
