import { ERROR_CATALOGUE, PulseError, type ErrorCode } from '@pulse/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable } from '../db/database-errors.ts';

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_ASYNC_CONSTRAINT: 'VALIDATION_FAILED',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  408: 'REQUEST_TIMEOUT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'DATABASE_UNAVAILABLE',
};

/** Turns a Fastify validation error into a sentence that names the field. */
function describeValidation(error: FastifyError): { message: string; details: unknown } {
  const first = error.validation?.[0];
  const context = error.validationContext ?? 'body';
  if (!first) return { message: error.message, details: undefined };
  const params = first.params as Record<string, unknown>;
  const path = first.instancePath.replace(/^\//, '').replaceAll('/', '.');
  let field = path || context;
  let why = first.message ?? 'is invalid';
  if (first.keyword === 'required') {
    field = [path, String(params.missingProperty)].filter(Boolean).join('.');
    why = 'is required';
  } else if (first.keyword === 'additionalProperties') {
    field = [path, String(params.additionalProperty)].filter(Boolean).join('.');
    why = 'is not a known field';
  }
  const where = context === 'body' ? '' : ` (in the ${context === 'querystring' ? 'query string' : context})`;
  return { message: `${field} ${why}${where}`, details: { field, context } };
}

/** Maps any error to the shared error body; 5xx answers never carry internals. */
export function toPulseError(error: unknown): PulseError {
  if (error instanceof PulseError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) {
    const { message, details } = describeValidation(fastifyError);
    return new PulseError('VALIDATION_FAILED', message, { details });
  }
  if (typeof fastifyError?.code === 'string' && FASTIFY_CODES[fastifyError.code]) {
    const code = FASTIFY_CODES[fastifyError.code]!;
    return new PulseError(code, code === 'PAYLOAD_TOO_LARGE' ? 'request body is larger than 1 MiB' : fastifyError.message);
  }
  if (isDatabaseUnavailable(error)) {
    return new PulseError('DATABASE_UNAVAILABLE', 'the database is unavailable; retry shortly', { retryAfter: 1, cause: error });
  }
  if (error instanceof SyntaxError || (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode === 400 && /JSON|prototype/i.test(fastifyError.message))) {
    return new PulseError('INVALID_JSON', `request body is not valid JSON: ${fastifyError.message}`);
  }
  const status = fastifyError?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new PulseError(BY_STATUS[status] ?? 'VALIDATION_FAILED', fastifyError.message);
  }
  return new PulseError('INTERNAL', 'internal server error', { cause: error });
}

export function sendError(reply: FastifyReply, error: PulseError): FastifyReply {
  if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
  return reply.code(ERROR_CATALOGUE[error.code].status).type('application/json; charset=utf-8').send(error.toBody());
}

export function installErrorHandling(app: FastifyInstance, onError: (request: FastifyRequest, error: PulseError) => void): void {
  app.setErrorHandler((error, request, reply) => {
    const pulseError = toPulseError(error);
    onError(request, pulseError);
    const tenant = request.tenant?.id;
    if (pulseError.status >= 500) request.log.error({ err: error, code: pulseError.code, tenant }, 'request failed');
    else request.log.info({ code: pulseError.code, reason: pulseError.message, tenant }, 'request rejected');
    return sendError(reply, pulseError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new PulseError('NOT_FOUND', `no route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`)),
  );
}
