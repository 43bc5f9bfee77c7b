import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { withSpan } from '@pulse/telemetry';
import Fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import type { AppDependencies, PulseApp, Services } from './app-types.ts';
import { ChangeNotifier } from './domain/change-notifier.ts';
import { IngestWriter } from './domain/ingest-writer.ts';
import { KeyCache } from './domain/key-cache.ts';
import { Lifecycle } from './domain/lifecycle.ts';
import { MessagesRepository } from './domain/messages-repository.ts';
import { StreamHub } from './domain/stream-hub.ts';
import { TenantsRepository } from './domain/tenants-repository.ts';
import { answerClientError } from './plugins/client-errors.ts';
import { installErrorHandling, sendError, toPulseError } from './plugins/error-handler.ts';
import { registerExactJson } from './plugins/exact-json.ts';
import { registerHttpHygiene } from './plugins/http-hygiene.ts';
import { registerLoadShedding } from './plugins/load-shedding.ts';
import { registerOpenApi } from './plugins/openapi.ts';
import { registerRateLimit } from './plugins/rate-limit.ts';
import { registerTracing } from './plugins/tracing.ts';
import { adminRoutes } from './routes/admin/admin-routes.ts';
import { healthRoutes } from './routes/health/health-routes.ts';
import { metricsRoute } from './routes/health/metrics-route.ts';
import { ApiMetrics } from './metrics/api-metrics.ts';
import { createBatchRoute } from './routes/messages/create-batch.ts';
import { createMessageRoute } from './routes/messages/create-message.ts';
import { listMessagesRoute } from './routes/messages/list-messages.ts';
import { streamMessagesRoute } from './routes/messages/stream-messages.ts';
import { statsRoutes } from './routes/stats/stats-routes.ts';
import { tenantRoutes } from './routes/tenants/tenant-routes.ts';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export interface BuiltApp {
  app: PulseApp;
  services: Services;
}

/** Builds the API without opening a port or reading the environment: tests build it too. */
export async function buildApp(deps: AppDependencies): Promise<BuiltApp> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // One log line per request comes from the onResponse hook below, with the tenant in it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: deps.settings.TRUST_PROXY,
    // Slow clients: the whole request must arrive within REQUEST_TIMEOUT; idle keep-alive sockets close after 5 s.
    requestTimeout: deps.settings.REQUEST_TIMEOUT,
    // Node checks those timeouts only this often (30 s by default), which would let a slow client stay that much longer.
    http: { connectionsCheckingInterval: 1000 },
    keepAliveTimeout: 5_000,
    connectionTimeout: 0,
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    // Errors the router raises itself (a malformed URL, an over-long path parameter) get the shared error body too.
    frameworkErrors: (error, _request, reply) => sendError(reply, toPulseError(error)),
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.headersTimeout = deps.settings.HEADERS_TIMEOUT;

  let hub: StreamHub | undefined;
  const metrics = new ApiMetrics({ poolStats: () => deps.db.poolStats(), subscribers: () => hub?.subscriberCount() ?? 0 });
  const notifier = new ChangeNotifier(deps.db, deps.logger);
  const messages = new MessagesRepository(deps.db, {
    time: (operation, work) => withSpan(`messages ${operation}`, {}, () => metrics.timed(operation, work)),
    stored: (tenantId) => notifier.changed(tenantId),
  });
  const tenants = new TenantsRepository(deps.db, deps.migrations);
  hub = new StreamHub(deps.db, messages, deps.logger, (message) => {
    const seconds = ApiMetrics.secondsBetween(message.created_at, Date.now());
    if (seconds !== undefined) metrics.streamLatency.observe(seconds);
  });
  const services: Services = {
    settings: deps.settings,
    db: deps.db,
    migrations: deps.migrations,
    tenants,
    messages,
    writer: new IngestWriter(messages, (size) => metrics.commitSize.observe(size), deps.settings.INGEST_QUEUE_MAX),
    hub,
    keys: new KeyCache(deps.settings.KEY_CACHE_TTL, (id) => tenants.findKey(id)),
    lifecycle: new Lifecycle(),
    metrics,
  };

  app.decorateRequest('tenant', null);
  app.removeContentTypeParser('text/plain');
  registerExactJson(app);
  installErrorHandling(app, (request, error) => {
    if (request.method === 'POST' && request.routeOptions.url?.startsWith('/api/messages')) metrics.rejected(error.code, request.tenant?.id);
  });
  registerTracing(app);
  app.addHook('onSend', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    request.log.info({ method: request.method, route: request.routeOptions.url ?? 'unknown', status: reply.statusCode, ms: Math.round(reply.elapsedTime), tenant: request.tenant?.id }, 'request');
  });
  app.addHook('onReady', () => services.hub.start());
  app.addHook('preClose', async () => {
    services.lifecycle.startDraining();
    services.lifecycle.closeLongLived();
  });
  app.addHook('onClose', async () => {
    await services.writer.whenIdle();
    await notifier.flush();
    await services.hub.stop();
  });

  await registerHttpHygiene(app, deps.settings.CORS_ORIGINS);
  await registerOpenApi(app);
  await registerLoadShedding(app, deps.settings.MAX_EVENT_LOOP_DELAY);
  await registerRateLimit(app, deps.settings.RATE_LIMIT_PER_MINUTE);

  healthRoutes(app, services);
  metricsRoute(app, services);
  createMessageRoute(app, services);
  createBatchRoute(app, services);
  listMessagesRoute(app, services);
  streamMessagesRoute(app, services);
  tenantRoutes(app, services);
  statsRoutes(app, services);
  if (deps.settings.ADMIN_TOKEN !== undefined) adminRoutes(app, services, deps.settings.ADMIN_TOKEN);

  return { app, services };
}
