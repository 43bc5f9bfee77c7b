import underPressure from '@fastify/under-pressure';
import { PulseError } from '@pulse/contract';
import type { FastifyInstance } from 'fastify';

/** Probes and scrapes must answer under load: a liveness probe refused for being busy would get the pod killed. */
const EXEMPT = new Set(['/health', '/healthz', '/readyz', '/metrics']);
const SAMPLE_INTERVAL_MS = 500;
/**
 * Start-up (loading and compiling modules, building routes) blocks the event
 * loop; the first samples after it measure that, not load. Without this grace a
 * replica that has just become ready would refuse its first requests.
 */
const START_GRACE_MS = 2 * SAMPLE_INTERVAL_MS;

/**
 * Sheds load when the event loop lags: past `maxDelayMs` of mean delay, new
 * requests get a cheap 503 OVERLOADED with Retry-After instead of joining a
 * queue that would time them out anyway. 0 turns it off.
 */
export async function registerLoadShedding(app: FastifyInstance, maxDelayMs: number): Promise<void> {
  if (maxDelayMs <= 0) return;
  let readyAt = Number.POSITIVE_INFINITY;
  app.addHook('onReady', async () => {
    readyAt = Date.now();
  });
  await app.register(underPressure, {
    maxEventLoopDelay: maxDelayMs,
    sampleInterval: SAMPLE_INTERVAL_MS,
    pressureHandler: (request) => {
      if (EXEMPT.has(request.routeOptions.url ?? '') || Date.now() - readyAt < START_GRACE_MS) return undefined;
      return Promise.reject(new PulseError('OVERLOADED', 'the API is overloaded; retry shortly', { retryAfter: 1 }));
    },
  });
}
