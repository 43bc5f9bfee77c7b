import { Type } from '@sinclair/typebox';
import { ErrorResponse, PulseError, type StoredMessage } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { requireScope, tenantOf } from '../../plugins/authentication.ts';

const HEARTBEAT_MS = 15_000;
/** A client this far behind is cut off; it reconnects with Last-Event-ID and misses nothing. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const StreamQuery = Type.Object(
  {
    environment: Type.Optional(Type.String({ pattern: '^[a-z0-9_-]{1,32}$' })),
    last_event_id: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Same as the Last-Event-ID header' })),
  },
  { additionalProperties: false },
);

function resumePoint(header: string | string[] | undefined, query: string | undefined): number | undefined {
  const raw = typeof header === 'string' ? header.trim() : query;
  if (raw === undefined || raw === '') return undefined;
  if (!/^[0-9]{1,15}$/.test(raw)) {
    throw new PulseError('VALIDATION_FAILED', 'Last-Event-ID must be the id of a message this stream sent', { details: { field: 'last-event-id' } });
  }
  return Number(raw);
}

export function streamMessagesRoute(app: PulseApp, services: Services): void {
  app.get(
    '/api/messages/stream',
    {
      onRequest: requireScope(services.keys, 'read'),
      config: { rateLimit: false },
      schema: {
        summary: 'New messages as Server-Sent Events',
        description: 'Each committed message once, as event "message" with the message id as event id. Reconnect with Last-Event-ID to resume without gaps.',
        tags: ['messages'],
        querystring: StreamQuery,
        response: { '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request);
      if (services.lifecycle.draining) throw new PulseError('SHUTTING_DOWN', 'this replica is shutting down; reconnect', { retryAfter: 1 });
      const afterId = resumePoint(request.headers['last-event-id'], request.query.last_event_id);
      const raw = reply.raw;
      let closed = false;
      let unsubscribe: () => void = () => undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      let removeDrain: () => void = () => undefined;
      const close = (): void => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        removeDrain();
        raw.end();
      };
      const write = (text: string): void => {
        if (closed) return;
        raw.write(text);
        if (raw.writableLength > MAX_BUFFERED_BYTES) close();
      };
      const send = (message: StoredMessage): void => write(`id: ${message.id}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`);

      reply.hijack();
      raw.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      write('retry: 2000\n\n');
      heartbeat = setInterval(() => write(': keep-alive\n\n'), HEARTBEAT_MS);
      removeDrain = services.lifecycle.onDrain(close);
      request.raw.on('close', close);
      try {
        unsubscribe = await services.hub.subscribe(tenant, { afterId, environment: request.query.environment, send });
        if (closed) unsubscribe();
      } catch (error) {
        request.log.warn({ err: error }, 'live stream could not start');
        write('event: error\ndata: {"error":"the stream could not start; reconnect","code":"DATABASE_UNAVAILABLE"}\n\n');
        close();
      }
    },
  );
}
