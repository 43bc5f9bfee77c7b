import underPressure from '@fastify/under-pressure';
import { PulseError } from '@pulse/contract';
import type { FastifyInstance } from 'fastify';

/** Probes and scrapes must answer under load: a liveness probe refused for being busy would get the pod killed. */
const EXEMPT = new Set(['/health', '/healthz', '/readyz', '/metrics']);

/**
 * Sheds load when the event loop lags: past `maxDelayMs` of mean delay, new
 * requests get a cheap 503 OVERLOADED with Retry-After instead of joining a
 * queue that would time them out anyway. 0 turns it off.
 */
export async function registerLoadShedding(app: FastifyInstance, maxDelayMs: number): Promise<void> {
  if (maxDelayMs <= 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: maxDelayMs,
    sampleInterval: 500,
    pressureHandler: (request) => {
      if (EXEMPT.has(request.routeOptions.url ?? '')) return undefined;
      return Promise.reject(new PulseError('OVERLOADED', 'the API is overloaded; retry shortly', { retryAfter: 1 }));
    },
  });
}
