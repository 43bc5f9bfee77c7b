import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { FastifyInstance } from 'fastify';
import type { ConsumerDeps } from '../app.ts';
import { tenantAccess } from '../session.ts';
import { answerApiFailure } from './data-routes.ts';

/**
 * Each stream ends after this long; the browser reconnects with Last-Event-ID
 * (missing nothing) and the session is checked again, so a sign-out or an
 * expired session also ends live access.
 */
export const MAX_STREAM_MS = 5 * 60_000;
const EVENT_ID = /^[0-9]{1,15}$/;

/** The API's event stream, relayed so the browser never holds a key. */
export function streamRoute(app: FastifyInstance, deps: ConsumerDeps): void {
  // Open relays would hold the server open on shutdown; ending them makes browsers reconnect to another replica.
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const finish of open) finish();
    done();
  });
  app.get<{ Querystring: { tenant?: string; environment?: string; last_event_id?: string } }>(
    '/api/stream',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { tenant: { type: 'string', maxLength: 64 }, environment: { type: 'string', maxLength: 32 }, last_event_id: { type: 'string', pattern: EVENT_ID.source } },
          additionalProperties: false,
        },
      },
    },
    async (request, reply) => {
      const access = tenantAccess(request, reply, deps.policy, request.query.tenant);
      if (access === undefined) return reply;
      const header = request.headers['last-event-id'];
      const lastEventId = typeof header === 'string' && EVENT_ID.test(header.trim()) ? header.trim() : request.query.last_event_id;
      const upstreamAbort = new AbortController();
      let upstream: Response;
      try {
        upstream = await deps.api.stream(access.key, { environment: request.query.environment, lastEventId, signal: upstreamAbort.signal });
      } catch (error) {
        return answerApiFailure(request, reply, error);
      }
      if (upstream.body === null) return reply.code(502).send({ error: 'the API sent no stream', code: 'INTERNAL' });
      const body = Readable.fromWeb(upstream.body as WebReadableStream<Uint8Array>);
      const raw = reply.raw;
      const finish = (): void => {
        open.delete(finish);
        clearTimeout(limit);
        upstreamAbort.abort();
        body.destroy();
        if (!raw.writableEnded) raw.end();
      };
      const limit = setTimeout(finish, deps.streamMaxMs ?? MAX_STREAM_MS);
      open.add(finish);
      reply.hijack();
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      raw.flushHeaders();
      body.on('error', finish);
      body.on('end', finish);
      request.raw.on('close', finish);
      body.pipe(raw, { end: false });
    },
  );
}
