import type { PulseApp, Services } from '../../app-types.ts';

/** Prometheus scrape endpoint on the service port; keep it off public ingress routes. */
export function metricsRoute(app: PulseApp, services: Services): void {
  app.get('/metrics', { config: { rateLimit: false }, schema: { hide: true } }, async (_request, reply) => {
    const body = await services.metrics.registry.metrics();
    return reply.type(services.metrics.registry.contentType).send(body);
  });
}
