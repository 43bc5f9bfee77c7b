import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The dashboard's own metrics at GET /metrics: its requests by route and
 * status, and the live streams it relays from the API. The registry belongs to
 * the app, so two apps in one process (tests) never share counters.
 */
export function registerDashboardMetrics(app: FastifyInstance): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({ name: 'pulse_dashboard_http_requests_total', help: 'Dashboard HTTP requests by method, route and status', labelNames, registers: [registry] });
  const duration = new Histogram({ name: 'pulse_dashboard_http_request_duration_seconds', help: 'Dashboard HTTP request duration', labelNames, buckets: LATENCY_BUCKETS, registers: [registry] });
  const streams = new Gauge({ name: 'pulse_dashboard_streams', help: 'Live streams the dashboard relays from the API to browsers', registers: [registry] });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.url !== '/api/stream') return;
    streams.inc();
    request.raw.once('close', () => streams.dec());
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
