import { Type } from '@sinclair/typebox';
import {
  ApiKeyScope,
  CreateKeyRequest,
  CreateTenantRequest,
  CreateTenantResponse,
  CreatedApiKey,
  ErrorResponse,
  ListTenantsResponse,
  PulseError,
  TENANT_ID_PATTERN,
  Tenant,
  UpdateTenantRequest,
} from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { DEFAULT_SCOPES, toTenantBody } from '../../domain/tenants-repository.ts';
import { requireAdmin } from '../../plugins/authentication.ts';

const TenantParams = Type.Object({ id: Type.String({ pattern: TENANT_ID_PATTERN }) });
const KeyParams = Type.Object({ id: Type.String({ pattern: TENANT_ID_PATTERN }), keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }) });
const KeyList = Type.Object({
  keys: Type.Array(Type.Object({ id: Type.String(), scopes: Type.Array(ApiKeyScope), created_at: Type.String(), revoked_at: Type.Union([Type.String(), Type.Null()]) })),
});
const errors = { '4xx': ErrorResponse, '5xx': ErrorResponse };

function unknownTenant(id: string): PulseError {
  return new PulseError('NOT_FOUND', `tenant ${id} does not exist`);
}

/** Registered only when ADMIN_TOKEN is set; otherwise every /admin path is a 404. */
export function adminRoutes(app: PulseApp, services: Services, adminToken: string): void {
  const onRequest = requireAdmin(adminToken);
  const tags = ['admin'];

  app.post(
    '/admin/tenants',
    { onRequest, schema: { summary: 'Create a tenant with its schema, role and first key', tags, body: CreateTenantRequest, response: { 201: CreateTenantResponse, ...errors } } },
    async (request, reply) => {
      const { tenant, apiKey } = await services.tenants.create({
        id: request.body.id,
        name: request.body.name,
        rateLimitPerMinute: request.body.rate_limit_per_minute,
      });
      request.log.info({ tenant: tenant.id, key_id: apiKey.id }, 'tenant created');
      return reply.code(201).send({ tenant: toTenantBody(tenant), api_key: apiKey });
    },
  );

  app.get('/admin/tenants', { onRequest, schema: { summary: 'List tenants', tags, response: { 200: ListTenantsResponse, ...errors } } }, async () => ({
    tenants: (await services.tenants.list()).map(toTenantBody),
  }));

  app.patch(
    '/admin/tenants/:id',
    { onRequest, schema: { summary: 'Rename a tenant or change its rate limit', tags, params: TenantParams, body: UpdateTenantRequest, response: { 200: Tenant, ...errors } } },
    async (request) => {
      const updated = await services.tenants.update(request.params.id, { name: request.body.name, rateLimitPerMinute: request.body.rate_limit_per_minute });
      if (!updated) throw unknownTenant(request.params.id);
      services.keys.forgetTenant(request.params.id);
      request.log.info({ tenant: updated.id }, 'tenant updated');
      return toTenantBody(updated);
    },
  );

  app.delete(
    '/admin/tenants/:id',
    { onRequest, schema: { summary: 'Delete a tenant and all its messages', tags, params: TenantParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      if (!(await services.tenants.delete(request.params.id))) throw unknownTenant(request.params.id);
      services.keys.forgetTenant(request.params.id);
      request.log.info({ tenant: request.params.id }, 'tenant deleted');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/tenants/:id/keys',
    { onRequest, schema: { summary: 'List a tenant\'s keys (never the keys themselves)', tags, params: TenantParams, response: { 200: KeyList, ...errors } } },
    async (request) => {
      if (!(await services.tenants.get(request.params.id))) throw unknownTenant(request.params.id);
      return { keys: await services.tenants.listKeys(request.params.id) };
    },
  );

  app.post(
    '/admin/tenants/:id/keys',
    {
      onRequest,
      // No body at all means "the default scopes", like an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { summary: 'Create another key for a tenant (rotation)', tags, params: TenantParams, body: CreateKeyRequest, response: { 201: CreatedApiKey, ...errors } },
    },
    async (request, reply) => {
      const key = await services.tenants.createKey(request.params.id, request.body.scopes ?? DEFAULT_SCOPES);
      if (!key) throw unknownTenant(request.params.id);
      request.log.info({ tenant: request.params.id, key_id: key.id }, 'key created');
      return reply.code(201).send(key);
    },
  );

  app.delete(
    '/admin/tenants/:id/keys/:keyId',
    { onRequest, schema: { summary: 'Revoke a key', tags, params: KeyParams, response: { 204: Type.Null(), ...errors } } },
    async (request, reply) => {
      if (!(await services.tenants.revokeKey(request.params.id, request.params.keyId))) {
        throw new PulseError('NOT_FOUND', `tenant ${request.params.id} has no live key ${request.params.keyId}`);
      }
      services.keys.forget(request.params.keyId);
      request.log.info({ tenant: request.params.id, key_id: request.params.keyId }, 'key revoked');
      return reply.code(204).send(null);
    },
  );
}
