import { PulseError, type ApiKeyScope } from '@pulse/contract';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { hashApiKey, hashesEqual, parseApiKeyId, secretsEqual } from '../domain/api-keys.ts';
import type { KeyCache } from '../domain/key-cache.ts';
import type { TenantRecord } from '../domain/tenants-repository.ts';

declare module 'fastify' {
  interface FastifyRequest {
    tenant: TenantRecord | null;
  }
}

function presentedKey(request: FastifyRequest): string | undefined {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    return match?.[1];
  }
  const header = request.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/**
 * The tenant comes from the key and from nothing else the caller sends. Every
 * failure looks the same to the caller, so a key id cannot be probed.
 */
export function requireScope(keys: KeyCache, scope: ApiKeyScope): onRequestHookHandler {
  return async function authenticate(request) {
    const key = presentedKey(request);
    if (key === undefined) {
      throw new PulseError('UNAUTHENTICATED', 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"');
    }
    const keyId = parseApiKeyId(key);
    const record = keyId === undefined ? undefined : await keys.get(keyId);
    if (!record || !hashesEqual(record.hash, hashApiKey(key))) {
      throw new PulseError('UNAUTHENTICATED', 'the API key is not valid');
    }
    if (!record.scopes.includes(scope)) {
      throw new PulseError('FORBIDDEN', `this API key lacks the "${scope}" scope`);
    }
    request.tenant = record.tenant;
  };
}

export function requireAdmin(adminToken: string): onRequestHookHandler {
  return async function authenticateAdmin(request) {
    const authorization = request.headers.authorization;
    const token = typeof authorization === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization)?.[1] : undefined;
    if (token === undefined) throw new PulseError('UNAUTHENTICATED', 'admin routes need "Authorization: Bearer <ADMIN_TOKEN>"');
    if (!secretsEqual(token, adminToken)) throw new PulseError('UNAUTHENTICATED', 'the admin token is not valid');
  };
}

/** For handlers behind requireScope: the tenant it established. */
export function tenantOf(request: FastifyRequest): TenantRecord {
  if (!request.tenant) throw new Error('route reached without authentication');
  return request.tenant;
}
