import { Type } from '@sinclair/typebox';
import { HealthResponse } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { isMigrated } from '../../db/migrator.ts';

const ReadyResponse = Type.Object({
  status: Type.String(),
  database: Type.String(),
  migrated: Type.Boolean(),
  timestamp: Type.String(),
});

const READY_CHECK_TIMEOUT_MS = 2000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoutes(app: PulseApp, services: Services): void {
  const config = { rateLimit: false };
  app.get('/health', { config, schema: { summary: 'The original\'s health check: the process answers', tags: ['health'], response: { 200: HealthResponse } } }, async () => ({
    status: 'healthy',
    timestamp: new Date().toISOString(),
  }));

  app.get('/healthz', { config, schema: { summary: 'Liveness: the process is up', tags: ['health'], response: { 200: HealthResponse } } }, async () => ({
    status: 'ok',
    timestamp: new Date().toISOString(),
  }));

  let migrated = false;
  app.get(
    '/readyz',
    { config, schema: { summary: 'Readiness: the database answers and is migrated; 503 while draining', tags: ['health'], response: { 200: ReadyResponse, 503: ReadyResponse } } },
    async (_request, reply) => {
      const timestamp = new Date().toISOString();
      if (services.lifecycle.draining) return reply.code(503).send({ status: 'draining', database: 'unknown', migrated, timestamp });
      try {
        await withTimeout(services.db.query('SELECT 1'), READY_CHECK_TIMEOUT_MS);
        migrated ||= await withTimeout(isMigrated(services.db, services.migrations), READY_CHECK_TIMEOUT_MS);
      } catch {
        return reply.code(503).header('retry-after', '1').send({ status: 'unavailable', database: 'unreachable', migrated, timestamp });
      }
      if (!migrated) return reply.code(503).send({ status: 'unavailable', database: 'ok', migrated, timestamp });
      return { status: 'ready', database: 'ok', migrated, timestamp };
    },
  );
}
