import { Type, type Static } from '@sinclair/typebox';
import { ERROR_CODES } from './errors.ts';
import { BATCH_MAX_MESSAGES, StoredMessage } from './message.ts';

export const ErrorResponse = Type.Object({
  error: Type.String(),
  code: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
  details: Type.Optional(Type.Unknown()),
});

export const CreateMessageResponse = Type.Object({
  message: Type.String(),
  data: StoredMessage,
});
export type CreateMessageResponse = Static<typeof CreateMessageResponse>;

export const BatchRequest = Type.Object(
  { messages: Type.Array(Type.Unknown(), { minItems: 1, maxItems: BATCH_MAX_MESSAGES }) },
  { additionalProperties: false },
);

export const BatchResult = Type.Object({
  index: Type.Integer(),
  status: Type.Union([Type.Literal('stored'), Type.Literal('duplicate'), Type.Literal('invalid')]),
  message_id: Type.Optional(Type.String()),
  id: Type.Optional(Type.Integer()),
  error: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
});
export type BatchResult = Static<typeof BatchResult>;

export const BatchResponse = Type.Object({
  stored: Type.Integer(),
  duplicates: Type.Integer(),
  invalid: Type.Integer(),
  results: Type.Array(BatchResult),
});
export type BatchResponse = Static<typeof BatchResponse>;

export const ListMessagesQuery = Type.Object(
  {
    environment: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,32}$' })),
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: '1 to 1000, default 100' })),
    since: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601; messages whose datetime is at or after it' })),
    until: Type.Optional(Type.String({ maxLength: 64, description: 'ISO 8601; messages whose datetime is before it' })),
    cursor: Type.Optional(Type.String({ maxLength: 200, description: 'next_cursor from the previous page' })),
  },
  { additionalProperties: false },
);
export type ListMessagesQuery = Static<typeof ListMessagesQuery>;

export const ListMessagesResponse = Type.Object({
  messages: Type.Array(StoredMessage),
  count: Type.Integer(),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});
export type ListMessagesResponse = Static<typeof ListMessagesResponse>;

export const TenantStatistics = Type.Object({
  total_messages: Type.Integer(),
  prod_messages: Type.Integer(),
  test_messages: Type.Integer(),
  last_message: Type.Union([Type.String(), Type.Null()]),
  environments: Type.Record(Type.String(), Type.Integer()),
});

export const TenantResponse = Type.Object({
  tenantId: Type.String(),
  name: Type.String(),
  statistics: TenantStatistics,
});
export type TenantResponse = Static<typeof TenantResponse>;

export const StatsQuery = Type.Object(
  {
    window: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}[smhd]$', default: '1h' })),
    bucket: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}[smhd]$', default: '1m' })),
    environment: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,32}$' })),
  },
  { additionalProperties: false },
);
export type StatsQuery = Static<typeof StatsQuery>;

export const StatsResponse = Type.Object({
  window_seconds: Type.Integer(),
  bucket_seconds: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  buckets: Type.Array(
    Type.Object({ start: Type.String(), environment: Type.String(), count: Type.Integer() }),
  ),
});
export type StatsResponse = Static<typeof StatsResponse>;

export const HealthResponse = Type.Object({ status: Type.String(), timestamp: Type.String() });

export const ApiKeyScope = Type.Union([Type.Literal('ingest'), Type.Literal('read')]);
export type ApiKeyScope = Static<typeof ApiKeyScope>;

export const TENANT_ID_PATTERN = '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$';

export const CreateTenantRequest = Type.Object(
  {
    id: Type.String({ pattern: TENANT_ID_PATTERN, description: 'lowercase slug, 1 to 40 characters' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    rate_limit_per_minute: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  },
  { additionalProperties: false },
);
export type CreateTenantRequest = Static<typeof CreateTenantRequest>;

export const Tenant = Type.Object({
  id: Type.String(),
  name: Type.String(),
  created_at: Type.String(),
  rate_limit_per_minute: Type.Union([Type.Integer(), Type.Null()]),
});
export type Tenant = Static<typeof Tenant>;

export const CreatedApiKey = Type.Object({
  id: Type.String(),
  key: Type.String({ description: 'shown once; only its hash is stored' }),
  scopes: Type.Array(ApiKeyScope),
});
export type CreatedApiKey = Static<typeof CreatedApiKey>;

export const UpdateTenantRequest = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    rate_limit_per_minute: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 10_000_000 }), Type.Null()], { description: 'null returns the tenant to the default limit' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateTenantRequest = Static<typeof UpdateTenantRequest>;

export const CreateTenantResponse = Type.Object({ tenant: Tenant, api_key: CreatedApiKey });
export const ListTenantsResponse = Type.Object({ tenants: Type.Array(Tenant) });

export const CreateKeyRequest = Type.Object(
  { scopes: Type.Optional(Type.Array(ApiKeyScope, { minItems: 1, maxItems: 2, uniqueItems: true })) },
  { additionalProperties: false },
);
