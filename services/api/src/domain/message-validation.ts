import { TypeCompiler, ValueErrorType } from '@sinclair/typebox/compiler';
import {
  DEFAULT_ENVIRONMENT,
  MessageInput,
  PAYLOAD_MAX_BYTES,
  PAYLOAD_MAX_DEPTH,
} from '@pulse/contract';
import { parseDatetime } from './datetime.ts';

/** A message that passed every check, in the form it is stored. */
export interface ValidMessage {
  messageId: string | undefined;
  datetime: string;
  environment: string;
  source: string | null;
  /** The payload as JSON text, or null. */
  payload: string | null;
}

/** On failure, `error` is a sentence that names the field, for the client to read. */
export type Validation = { ok: true; message: ValidMessage } | { ok: false; field: string; error: string };

const shape = TypeCompiler.Compile(MessageInput);

function fail(field: string, error: string): Validation {
  return { ok: false, field, error };
}

/**
 * Checks that PostgreSQL would refuse or silently change: NUL characters and
 * lone surrogates cannot be stored in text or jsonb, and depth is bounded so a
 * hostile payload cannot exhaust the stack of whoever reads it later.
 */
function checkJsonValue(value: unknown, path: string, depth: number): string | undefined {
  if (depth > PAYLOAD_MAX_DEPTH) return `${path} nests deeper than ${PAYLOAD_MAX_DEPTH} levels`;
  if (typeof value === 'string') return checkText(value, path);
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is not a finite number`;
  if (value === null || typeof value === 'boolean') return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const problem = checkJsonValue(value[i], `${path}[${i}]`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const keyProblem = checkText(key, `${path} key`);
      if (keyProblem) return keyProblem;
      const problem = checkJsonValue(inner, `${path}.${key}`, depth + 1);
      if (problem) return problem;
    }
    return undefined;
  }
  return `${path} is not JSON`;
}

function checkText(text: string, path: string): string | undefined {
  if (text.includes('\u0000')) return `${path} contains a NUL character`;
  if (!text.isWellFormed()) return `${path} contains a lone UTF-16 surrogate`;
  return undefined;
}

/** Validates one message as sent by a producer; used by the single and batch routes alike. */
export function validateMessage(input: unknown, headerMessageId?: string): Validation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail('body', 'body must be a JSON object');
  if (!shape.Check(input)) {
    const first = shape.Errors(input).First();
    const field = first?.path.replace(/^\//, '').replaceAll('/', '.') || 'body';
    const top = first?.path.slice(1).split('/')[0] ?? '';
    let why = first?.message.toLowerCase() ?? 'is invalid';
    if (top !== '' && !Object.hasOwn(MessageInput.properties, top)) why = 'is not a known field';
    else if (first?.type === ValueErrorType.ObjectRequiredProperty) why = 'is required';
    return fail(field, `${field} ${why}`);
  }
  const message = input as MessageInput;
  const datetime = parseDatetime(message.datetime);
  if (!datetime) return fail('datetime', 'datetime must be ISO 8601 with an offset (2026-01-31T12:00:00Z) or "YYYY-MM-DD HH:MM:SS" in UTC');
  if (message.message_id !== undefined && headerMessageId !== undefined && message.message_id !== headerMessageId) {
    return fail('message_id', 'message_id differs from the Idempotency-Key header');
  }
  const messageId = message.message_id ?? headerMessageId;
  for (const [field, text] of [['message_id', messageId], ['source', message.source]] as const) {
    const problem = text === undefined ? undefined : checkText(text, field);
    if (problem) return fail(field, problem);
  }
  let payload: string | null = null;
  if (message.payload !== undefined) {
    const problem = checkJsonValue(message.payload, 'payload', 1);
    if (problem) return fail('payload', problem);
    payload = JSON.stringify(message.payload);
    if (Buffer.byteLength(payload, 'utf8') > PAYLOAD_MAX_BYTES) return fail('payload', `payload is larger than ${PAYLOAD_MAX_BYTES} bytes`);
  }
  return {
    ok: true,
    message: {
      messageId,
      datetime,
      environment: message.environment ?? DEFAULT_ENVIRONMENT,
      source: message.source ?? null,
      payload,
    },
  };
}
