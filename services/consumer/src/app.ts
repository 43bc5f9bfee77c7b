import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySession from '@fastify/session';
import type { ErrorCode } from '@pulse/contract';
import type { Logger } from '@pulse/logger';
import type { AccessPolicy } from './access-policy.ts';
import type { ApiClient } from './api-client.ts';
import type { Assets } from './assets.ts';
import type { OAuthProvider } from './oauth-providers.ts';
import type { SignInLinks } from './sign-in-links.ts';
import type { KeyValueStore } from './stores/key-value-store.ts';
import { sessionStore } from './stores/session-store.ts';
import { registerDashboardMetrics } from './dashboard-metrics.ts';
import { dataRoutes } from './routes/data-routes.ts';
import { exportRoute } from './routes/export-route.ts';
import { pageRoutes } from './routes/page-routes.ts';
import { signInRoutes } from './routes/sign-in-routes.ts';
import { streamRoute } from './routes/stream-route.ts';

export interface ConsumerDeps {
  api: ApiClient;
  assets: Assets;
  store: KeyValueStore;
  links: SignInLinks;
  policy: AccessPolicy;
  providers: OAuthProvider[];
  sessionSecret: string;
  sessionTtlMs: number;
  cookieSecure: 'auto' | boolean;
  trustProxy: boolean;
  /** Only this tenant may sign in, when set. */
  tenantName?: string | undefined;
  /** Where browsers reach the dashboard; OAuth callbacks are read against it. */
  publicUrl?: string | undefined;
  logger: Logger;
  /** How long one relayed stream lasts before the browser must reconnect (tests shorten it to exercise resumption). */
  streamMaxMs?: number | undefined;
}

const CODES: Record<number, ErrorCode> = { 400: 'VALIDATION_FAILED', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };

/** The dashboard's server, with no side effects: tests build it as the process does. */
export async function buildConsumerApp(deps: ConsumerDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, trustProxy: deps.trustProxy });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    // A dashboard on plain http (local use) must not be pinned to https.
    strictTransportSecurity: deps.cookieSecure === true,
  });
  await app.register(fastifyFormbody);
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: deps.sessionSecret,
    cookieName: 'pulse_session',
    store: sessionStore(deps.store, deps.sessionTtlMs),
    saveUninitialized: false,
    rolling: true,
    cookie: { httpOnly: true, sameSite: 'lax', secure: deps.cookieSecure, path: '/', maxAge: deps.sessionTtlMs },
  });
  await app.register(fastifyCsrf, { sessionPlugin: '@fastify/session' });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.code(status).send({ error: status >= 500 ? 'internal error' : error.message, code: CODES[status] ?? 'INTERNAL' });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, code: 'NOT_FOUND' });
  });

  registerDashboardMetrics(app);
  pageRoutes(app, deps);
  signInRoutes(app, deps);
  dataRoutes(app, deps);
  streamRoute(app, deps);
  exportRoute(app, deps);
  return app;
}
