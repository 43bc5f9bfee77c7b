import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly maxTimeMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** What an attempt reports when it may be tried again. */
export interface Retryable {
  readonly kind: 'retryable';
  readonly reason: string;
  readonly retryAfterMs?: number | undefined;
}

export interface RetryEvent {
  readonly attempt: number;
  readonly delayMs: number;
  readonly reason: string;
}

/**
 * Full jitter (a uniform pick between 0 and the capped exponential step):
 * producers that failed together do not come back together.
 */
export function backoffDelay(policy: RetryPolicy, retryIndex: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryIndex);
  return Math.round(random() * step);
}

/** Retry-After as seconds or as an HTTP date, in milliseconds from now. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `attempt` until it returns something other than a Retryable, or the
 * policy's attempts or total time are used up, or `signal` aborts; the last
 * result is returned either way. A Retry-After is waited for in full, never less.
 */
export async function withRetries<T extends { kind: string }>(
  attempt: (attemptNumber: number) => Promise<T | Retryable>,
  options: { policy: RetryPolicy; signal?: AbortSignal | undefined; onRetry?: (event: RetryEvent) => void },
): Promise<T | Retryable> {
  const { policy, signal } = options;
  const started = Date.now();
  for (let n = 1; ; n += 1) {
    const result = await attempt(n);
    if (!isRetryable(result) || n >= policy.maxAttempts || signal?.aborted) return result;
    const delayMs = Math.max(result.retryAfterMs ?? 0, backoffDelay(policy, n - 1));
    if (Date.now() + delayMs - started > policy.maxTimeMs) return result;
    options.onRetry?.({ attempt: n, delayMs, reason: result.reason });
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return result;
    }
  }
}

export function isRetryable(value: { kind: string }): value is Retryable {
  return value.kind === 'retryable';
}
