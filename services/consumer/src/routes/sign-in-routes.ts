import type { FastifyInstance } from 'fastify';
import type { ConsumerDeps } from '../app.ts';
import { ApiError } from '../api-client.ts';
import { signIn } from '../session.ts';

const KEY_PATTERN = /^[\x21-\x7e]{8,200}$/;

export function signInRoutes(app: FastifyInstance, deps: ConsumerDeps): void {
  app.post<{ Body: { api_key?: string } }>('/login/key', { preHandler: app.csrfProtection }, async (request, reply) => {
    const key = typeof request.body?.api_key === 'string' ? request.body.api_key.trim() : '';
    if (!KEY_PATTERN.test(key)) return reply.redirect('/?error=key', 303);
    let tenant;
    try {
      tenant = await deps.api.tenant(key);
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return reply.redirect('/?error=key', 303);
      request.log.warn({ err: error }, 'checking a key against the API failed');
      return reply.redirect('/?error=api', 303);
    }
    if (deps.tenantName !== undefined && tenant.tenantId !== deps.tenantName) return reply.redirect('/?error=tenant', 303);
    await signIn(request, { id: `key:${tenant.tenantId}`, name: `${tenant.name} (API key)`, via: 'key' }, [{ id: tenant.tenantId, name: tenant.name }], { [tenant.tenantId]: key });
    request.log.info({ tenant: tenant.tenantId }, 'signed in with a read key');
    return reply.redirect('/dashboard', 303);
  });

  app.get<{ Querystring: { token?: string } }>('/login/link', async (request, reply) => {
    const grant = await deps.links.redeem(request.query.token ?? '');
    if (grant === undefined) return reply.redirect('/?error=link', 303);
    await signIn(request, { id: `key:${grant.tenant.id}`, name: `${grant.tenant.name} (sign-in link)`, via: 'key' }, [grant.tenant], { [grant.tenant.id]: grant.key });
    request.log.info({ tenant: grant.tenant.id }, 'signed in with a one-time link');
    return reply.redirect('/dashboard', 303);
  });

  app.post('/logout', { preHandler: app.csrfProtection }, async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/', 303);
  });

  for (const provider of deps.providers) {
    app.get(`/auth/${provider.name}`, async (request, reply) => {
      try {
        const { url, pending } = await provider.start();
        request.session.pending = pending;
        return reply.redirect(url.href, 303);
      } catch (error) {
        request.log.warn({ err: error, provider: provider.name }, 'could not start the sign-in');
        return reply.redirect('/?error=oauth', 303);
      }
    });

    app.get(`/auth/${provider.name}/callback`, async (request, reply) => {
      const pending = request.session.pending;
      request.session.pending = undefined;
      if (pending === undefined || pending.provider !== provider.name || deps.publicUrl === undefined) return reply.redirect('/?error=oauth', 303);
      let identity;
      try {
        identity = await provider.finish(new URL(request.url, deps.publicUrl), pending);
      } catch (error) {
        request.log.warn({ err: error, provider: provider.name }, 'sign-in callback refused');
        return reply.redirect('/?error=oauth', 303);
      }
      let tenants = deps.policy.tenantsFor(identity.identities);
      if (deps.tenantName !== undefined) tenants = tenants.filter((t) => t === deps.tenantName);
      if (tenants.length === 0) {
        request.log.info({ user: identity.user.id }, 'signed in but on no allow-list');
        return reply.redirect('/?error=denied', 303);
      }
      const named = await Promise.all(
        tenants.map(async (id) => {
          const key = deps.policy.readKeyFor(id);
          const name = key === undefined ? id : await deps.api.tenant(key).then((t) => t.name, () => id);
          return { id, name };
        }),
      );
      await signIn(request, identity.user, named);
      request.log.info({ user: identity.user.id, tenants }, 'signed in');
      return reply.redirect('/dashboard', 303);
    });
  }
}
