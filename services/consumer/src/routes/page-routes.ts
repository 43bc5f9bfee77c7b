import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConsumerDeps } from '../app.ts';
import { dashboardPage, loginPage, logoutPage } from '../pages.ts';

const HTML = 'text/html; charset=utf-8';

function html(reply: FastifyReply, body: string): FastifyReply {
  return reply.header('cache-control', 'no-cache, no-store').type(HTML).send(body);
}

export function pageRoutes(app: FastifyInstance, deps: ConsumerDeps): void {
  app.get<{ Querystring: { error?: string } }>('/', async (request, reply) => {
    if (request.session.user !== undefined) return reply.redirect('/dashboard', 303);
    const providers = deps.providers.map((p) => ({ path: `/auth/${p.name}`, label: p.label }));
    const csrf = reply.generateCsrf();
    return html(reply, loginPage(deps.assets, { csrf, error: request.query.error, providers, tenantName: deps.tenantName }));
  });

  app.get('/dashboard', async (request, reply) => {
    if (request.session.user === undefined) return reply.redirect('/', 303);
    return html(reply, dashboardPage(deps.assets, reply.generateCsrf()));
  });

  // The original signed out on GET; a GET must not change state (a link could sign anyone out), so it asks first.
  app.get('/logout', async (request, reply) => {
    if (request.session.user === undefined) return reply.redirect('/', 303);
    return html(reply, logoutPage(deps.assets, reply.generateCsrf()));
  });

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = deps.assets.files.get(`/assets/${request.params.file}`);
    if (asset === undefined) return reply.code(404).send({ error: 'no such asset', code: 'NOT_FOUND' });
    reply.header('cache-control', 'public, max-age=31536000, immutable').header('etag', asset.etag).type(asset.type);
    if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
    return reply.send(Buffer.from(asset.body));
  });

  app.get('/health', async (_request, reply) => {
    return reply.header('cache-control', 'no-store').send({ status: 'healthy', tenant: deps.tenantName ?? null, timestamp: new Date().toISOString() });
  });
}
