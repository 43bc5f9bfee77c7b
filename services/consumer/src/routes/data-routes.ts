import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConsumerDeps } from '../app.ts';
import { ApiError } from '../api-client.ts';
import { tenantAccess } from '../session.ts';

export interface TenantQuery {
  tenant?: string;
}

export interface MessagesQuery extends TenantQuery {
  environment?: string;
  since?: string;
  until?: string;
  cursor?: string;
  limit?: string;
}

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
export const messagesQuerySchema = {
  type: 'object',
  properties: { tenant: text(64), environment: text(32), since: text(64), until: text(64), cursor: text(200), limit: { type: 'string', pattern: '^[0-9]{1,4}$' } },
  additionalProperties: false,
} as const;

/**
 * Passes an API refusal through as it is (its body is already the shared error
 * shape), anything else as 502. A key the API no longer accepts ends a key
 * sign-in (the browser goes back to sign-in); a configured key that fails is
 * an operator's problem, shown as 403 rather than sending the user round in circles.
 */
export async function answerApiFailure(request: FastifyRequest, reply: FastifyReply, error: unknown): Promise<FastifyReply> {
  if (error instanceof ApiError && error.status === 401) {
    if (request.session.user?.via === 'key') {
      await request.session.destroy();
      return reply.code(401).send({ error: 'the API no longer accepts your key; sign in again', code: 'UNAUTHENTICATED' });
    }
    request.log.warn('the API refused the configured read key of a tenant');
    return reply.code(403).send({ error: "the API refused the dashboard's key for this tenant", code: 'FORBIDDEN' });
  }
  if (error instanceof ApiError) return reply.code(error.status).send(error.body ?? { error: 'the API refused', code: 'INTERNAL' });
  request.log.warn({ err: error }, 'the API could not be reached');
  return reply.code(502).send({ error: 'the API could not be reached', code: 'DATABASE_UNAVAILABLE' });
}

/** JSON routes for the browser; each reads the API with the session tenant's read key and answers 401 JSON when signed out. */
export function dataRoutes(app: FastifyInstance, deps: ConsumerDeps): void {
  const noStore = (reply: FastifyReply): FastifyReply => reply.header('cache-control', 'no-store');

  app.get('/api/user', async (request, reply) => {
    const user = request.session.user;
    if (user === undefined) return reply.code(401).send({ error: 'sign in first', code: 'UNAUTHENTICATED' });
    return noStore(reply).send({ user: { id: user.id, name: user.name, via: user.via }, tenants: request.session.tenants ?? [] });
  });

  app.get<{ Querystring: TenantQuery }>('/api/tenants', { schema: { querystring: { type: 'object', properties: { tenant: text(64) }, additionalProperties: false } } }, async (request, reply) => {
    const access = tenantAccess(request, reply, deps.policy, request.query.tenant);
    if (access === undefined) return reply;
    try {
      return noStore(reply).send(await deps.api.tenant(access.key));
    } catch (error) {
      return answerApiFailure(request, reply, error);
    }
  });

  app.get<{ Querystring: MessagesQuery }>('/api/messages', { schema: { querystring: messagesQuerySchema } }, async (request, reply) => {
    const { tenant, limit, ...filters } = request.query;
    const access = tenantAccess(request, reply, deps.policy, tenant);
    if (access === undefined) return reply;
    try {
      return noStore(reply).send(await deps.api.messages(access.key, { ...filters, limit: limit === undefined ? undefined : Number(limit) }));
    } catch (error) {
      return answerApiFailure(request, reply, error);
    }
  });

  app.get<{ Querystring: TenantQuery & { window?: string; bucket?: string; environment?: string } }>(
    '/api/stats',
    { schema: { querystring: { type: 'object', properties: { tenant: text(64), window: text(8), bucket: text(8), environment: text(32) }, additionalProperties: false } } },
    async (request, reply) => {
      const access = tenantAccess(request, reply, deps.policy, request.query.tenant);
      if (access === undefined) return reply;
      try {
        return noStore(reply).send(await deps.api.stats(access.key, request.query.window ?? '1h', request.query.bucket ?? '1m', request.query.environment));
      } catch (error) {
        return answerApiFailure(request, reply, error);
      }
    },
  );

  app.get('/api/health', async (request, reply) => {
    if (request.session.user === undefined) return reply.code(401).send({ error: 'sign in first', code: 'UNAUTHENTICATED' });
    return noStore(reply).send({ api: (await deps.api.healthy()) ? 'up' : 'down', checked_at: new Date().toISOString() });
  });
}
