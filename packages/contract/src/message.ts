import { Type, type Static } from '@sinclair/typebox';

export const ENVIRONMENT_PATTERN = '^[a-z0-9_-]{1,32}$';
export const MESSAGE_ID_MAX_LENGTH = 128;
export const SOURCE_MAX_LENGTH = 128;
export const PAYLOAD_MAX_BYTES = 16 * 1024;
export const PAYLOAD_MAX_DEPTH = 32;
export const BATCH_MAX_MESSAGES = 1000;
export const DEFAULT_ENVIRONMENT = 'prod';

/** What a producer sends. Unknown fields are refused rather than silently dropped. */
export const MessageInput = Type.Object(
  {
    datetime: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'ISO 8601 with an offset, or the original "YYYY-MM-DD HH:MM:SS" read as UTC',
    }),
    environment: Type.Optional(Type.String({ pattern: ENVIRONMENT_PATTERN, default: DEFAULT_ENVIRONMENT })),
    message_id: Type.Optional(
      Type.String({ minLength: 1, maxLength: MESSAGE_ID_MAX_LENGTH, description: 'Client id; a retry with the same id is stored once' }),
    ),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: SOURCE_MAX_LENGTH })),
    payload: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'A JSON object of at most 16 KiB' })),
  },
  { additionalProperties: false },
);
export type MessageInput = Static<typeof MessageInput>;

/** A message as stored and returned; `id` orders messages within a tenant by commit. */
export const StoredMessage = Type.Object({
  id: Type.Integer(),
  message_id: Type.String(),
  datetime: Type.String({ description: 'ISO 8601, UTC' }),
  environment: Type.String(),
  source: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  created_at: Type.String({ description: 'ISO 8601, UTC: when the API committed it' }),
});
export type StoredMessage = Static<typeof StoredMessage>;
