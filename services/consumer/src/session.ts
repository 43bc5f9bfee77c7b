import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccessPolicy } from './access-policy.ts';

export interface SessionUser {
  /** "key:<tenant>", "github:<login>" or "oidc:<subject>". */
  id: string;
  name: string;
  via: 'key' | 'github' | 'oidc';
}

export interface SessionTenant {
  id: string;
  name: string;
}

/** An OAuth round trip in progress: what the callback must see again. */
export interface PendingSignIn {
  provider: 'github' | 'oidc';
  state: string;
  verifier: string;
  nonce?: string | undefined;
}

declare module 'fastify' {
  interface Session {
    user?: SessionUser;
    tenants?: SessionTenant[];
    /** Read keys a user signed in with; kept server-side only. OIDC users' keys come from the access policy instead. */
    keys?: Record<string, string>;
    pending?: PendingSignIn;
  }
}

/** Starts a fresh session (new id, so a planted id is worthless) holding the user and their tenants. */
export async function signIn(request: FastifyRequest, user: SessionUser, tenants: SessionTenant[], keys?: Record<string, string>): Promise<void> {
  await request.session.regenerate();
  request.session.user = user;
  request.session.tenants = tenants;
  if (keys !== undefined) request.session.keys = keys;
}

export interface TenantAccess {
  tenant: SessionTenant;
  key: string;
}

/**
 * The tenant a data request is for: the one asked for if the session may see
 * it, else the session's first. Answers 401/403 JSON itself and returns
 * undefined when there is none.
 */
export function tenantAccess(request: FastifyRequest, reply: FastifyReply, policy: AccessPolicy, asked?: string): TenantAccess | undefined {
  const tenants = request.session.tenants;
  if (request.session.user === undefined || tenants === undefined || tenants.length === 0) {
    void reply.code(401).send({ error: 'sign in first', code: 'UNAUTHENTICATED' });
    return undefined;
  }
  const tenant = asked === undefined || asked === '' ? tenants[0] : tenants.find((t) => t.id === asked);
  const key = tenant === undefined ? undefined : (request.session.keys?.[tenant.id] ?? policy.readKeyFor(tenant.id));
  if (tenant === undefined || key === undefined) {
    void reply.code(403).send({ error: 'this tenant is not yours to see', code: 'FORBIDDEN' });
    return undefined;
  }
  return { tenant, key };
}
