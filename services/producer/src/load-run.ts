import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@pulse/logger';
import type { ApiClient, BatchOutcome, SendOutcome } from './api-client.ts';
import type { ProducerMetrics } from './producer-metrics.ts';
import { withRetries, type RetryPolicy } from './retry.ts';
import type { LoadSettings } from './settings.ts';
import type { SpooledMessage } from './spool.ts';

export interface LoadFigures {
  readonly endpoint: 'single' | 'batch';
  readonly count: number;
  readonly concurrency: number;
  readonly target_rate: number;
  readonly delivered: number;
  readonly failed: number;
  readonly requests: number;
  readonly duration_s: number;
  readonly achieved_rate: number;
  readonly latency_ms: { readonly p50: number; readonly p99: number; readonly max: number };
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Sends `count` messages from `concurrency` workers; with a rate, message i is
 * not sent before start + i / rate, so the schedule is open-loop and a slow
 * API shows up as latency rather than as a lower offered rate. Latency is per
 * request, retries included. Messages are not spooled: this measures the API.
 */
export async function runLoad(options: {
  load: LoadSettings;
  client: ApiClient;
  retry: RetryPolicy;
  createMessage: () => SpooledMessage;
  logger: Logger;
  signal: AbortSignal;
  metrics: ProducerMetrics;
}): Promise<LoadFigures> {
  const { load, client, logger, signal } = options;
  const size = load.endpoint === 'batch' ? load.batchSize : 1;
  const latencies: number[] = [];
  let next = 0;
  let delivered = 0;
  let failed = 0;
  const started = performance.now();

  const worker = async (): Promise<void> => {
    while (next < load.count && !signal.aborted) {
      const first = next;
      const messages = Array.from({ length: Math.min(size, load.count - first) }, options.createMessage);
      next += messages.length;
      const due = load.rate > 0 ? started + (first * 1000) / load.rate : 0;
      if (due > performance.now()) await sleep(due - performance.now(), undefined, { signal }).catch(() => undefined);
      if (signal.aborted) return;
      const sent = performance.now();
      const outcome = await withRetries<SendOutcome | BatchOutcome>(
        () => (size === 1 ? client.send(messages[0]!, signal) : client.sendBatch(messages, signal)),
        { policy: options.retry, signal, onRetry: () => options.metrics.retried(size === 1 ? 'single' : 'batch') },
      );
      latencies.push(performance.now() - sent);
      const ok = outcome.kind === 'delivered' ? 1 : outcome.kind === 'answered' ? outcome.results.filter((r) => r.status !== 'invalid').length : 0;
      delivered += ok;
      failed += messages.length - ok;
      if (outcome.kind === 'delivered') options.metrics.delivered(outcome.status);
      if (outcome.kind === 'answered') for (const result of outcome.results) if (result.status !== 'invalid') options.metrics.delivered(result.status);
      options.metrics.notDelivered(outcome.kind === 'retryable' ? 'unreachable' : outcome.kind === 'failed' ? 'refused' : 'rejected', messages.length - ok);
      if (ok < messages.length) logger.warn({ message_ids: messages.map((m) => m.message_id), outcome: outcome.kind, ...('reason' in outcome ? { reason: outcome.reason } : {}), ...('error' in outcome ? { error: outcome.error } : {}) }, 'load: messages not delivered');
      else logger.debug({ message_ids: messages.map((m) => m.message_id) }, 'load: delivered');
    }
  };
  await Promise.all(Array.from({ length: load.concurrency }, worker));

  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.sort((a, b) => a - b);
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    endpoint: load.endpoint,
    count: load.count,
    concurrency: load.concurrency,
    target_rate: load.rate,
    delivered,
    failed,
    requests: latencies.length,
    duration_s: round(seconds),
    achieved_rate: round(delivered / seconds),
    latency_ms: { p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) },
  };
}

/** A table for people and one JSON line (prefixed by nothing else) for scripts. */
export function formatLoadFigures(figures: LoadFigures): string {
  const rows: [string, string][] = [
    ['endpoint', figures.endpoint],
    ['messages', `${figures.delivered} delivered, ${figures.failed} failed of ${figures.count}`],
    ['requests', String(figures.requests)],
    ['concurrency', String(figures.concurrency)],
    ['target rate', figures.target_rate > 0 ? `${figures.target_rate} msg/s` : 'unlimited'],
    ['achieved rate', `${figures.achieved_rate} msg/s`],
    ['duration', `${figures.duration_s} s`],
    ['latency p50', `${figures.latency_ms.p50} ms`],
    ['latency p99', `${figures.latency_ms.p99} ms`],
    ['latency max', `${figures.latency_ms.max} ms`],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  const table = rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`).join('\n');
  return `${table}\n${JSON.stringify({ type: 'pulse-producer-load', ...figures })}\n`;
}
