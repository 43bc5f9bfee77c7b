import { ErrorResponse, PulseError, StatsQuery, StatsResponse } from '@pulse/contract';
import type { PulseApp, Services } from '../../app-types.ts';
import { requireScope, tenantOf } from '../../plugins/authentication.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const MAX_WINDOW_SECONDS = 31 * 86_400;
const MAX_BUCKETS = 10_000;

function seconds(field: string, text: string): number {
  const value = Number(text.slice(0, -1)) * UNIT_SECONDS[text.slice(-1)]!;
  if (value < 1) throw new PulseError('VALIDATION_FAILED', `${field} must be at least 1s`, { details: { field } });
  return value;
}

export function statsRoutes(app: PulseApp, services: Services): void {
  app.get(
    '/api/stats',
    {
      onRequest: requireScope(services.keys, 'read'),
      schema: {
        summary: 'Messages per time bucket and environment',
        description: 'Buckets of arrival time over the last `window` (default 1h), each `bucket` wide (default 1m). Empty buckets are left out.',
        tags: ['stats'],
        querystring: StatsQuery,
        response: { 200: StatsResponse, '4xx': ErrorResponse, '5xx': ErrorResponse },
      },
    },
    async (request) => {
      const windowSeconds = seconds('window', request.query.window ?? '1h');
      const bucketSeconds = seconds('bucket', request.query.bucket ?? '1m');
      if (windowSeconds > MAX_WINDOW_SECONDS) throw new PulseError('VALIDATION_FAILED', 'window must be at most 31d', { details: { field: 'window' } });
      if (bucketSeconds > windowSeconds) throw new PulseError('VALIDATION_FAILED', 'bucket must not be wider than window', { details: { field: 'bucket' } });
      if (windowSeconds / bucketSeconds > MAX_BUCKETS) {
        throw new PulseError('VALIDATION_FAILED', `window / bucket must be at most ${MAX_BUCKETS} buckets`, { details: { field: 'bucket' } });
      }
      // Align to whole buckets so that successive calls agree on bucket edges.
      const bucketMs = bucketSeconds * 1000;
      const to = new Date(Math.ceil((Date.now() + 1) / bucketMs) * bucketMs);
      const from = new Date(to.getTime() - Math.ceil(windowSeconds / bucketSeconds) * bucketMs);
      const buckets = await services.messages.buckets(tenantOf(request), {
        from: from.toISOString(),
        to: to.toISOString(),
        bucketSeconds,
        environment: request.query.environment,
      });
      return { window_seconds: windowSeconds, bucket_seconds: bucketSeconds, from: from.toISOString(), to: to.toISOString(), buckets };
    },
  );
}
