import { startRequestSpan, tracingEnabled, type RequestSpan } from '@pulse/telemetry';
import type { FastifyRequest } from 'fastify';
import type { PulseApp } from '../app-types.ts';

/**
 * One server span per request, continuing the caller's traceparent, active
 * through authentication, the handler and its database work, and ended with
 * the status and tenant once the response is sent. Nothing is added with
 * tracing off.
 */
export function registerTracing(app: PulseApp): void {
  if (!tracingEnabled()) return;
  const spans = new WeakMap<FastifyRequest, RequestSpan>();
  const finish = (request: FastifyRequest, statusCode: number | undefined): void => {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    span.setAttributes({ 'pulse.request.id': request.id, ...(request.tenant ? { 'pulse.tenant.id': request.tenant.id } : {}) });
    span.end(statusCode);
  };
  app.addHook('onRequest', (request, reply, done) => {
    const span = startRequestSpan(request.method, request.routeOptions.url, request.headers);
    if (span === undefined) {
      done();
      return;
    }
    spans.set(request, span);
    // The body and the response's events come from the socket, whose context predates the span.
    span.bind(request.raw);
    span.bind(reply.raw);
    span.run(done);
  });
  app.addHook('onResponse', async (request, reply) => finish(request, reply.statusCode));
  app.addHook('onRequestAbort', async (request) => finish(request, undefined));
}
