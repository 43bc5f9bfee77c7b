import rateLimit from '@fastify/rate-limit';
import { PulseError } from '@pulse/contract';
import type { FastifyInstance } from 'fastify';

/**
 * Per-tenant limit, counted per replica, checked right after authentication
 * (the plugin appends its hook after each route's own onRequest hooks).
 */
export async function registerRateLimit(app: FastifyInstance, defaultPerMinute: number): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    timeWindow: 60_000,
    max: (request) => request.tenant?.rateLimitPerMinute ?? defaultPerMinute,
    keyGenerator: (request) => (request.tenant ? `tenant:${request.tenant.id}` : `ip:${request.ip}`),
    cache: 100_000,
    errorResponseBuilder: (_request, context) =>
      new PulseError('RATE_LIMITED', `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`, {
        retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)),
      }),
  });
}
