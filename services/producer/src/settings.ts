import type { RetryPolicy } from './retry.ts';
import type { PayloadSpec } from './payload-source.ts';

export type Mode = 'once' | 'interval' | 'load' | 'canary';

export interface LoadSettings {
  readonly count: number;
  readonly concurrency: number;
  /** Messages per second; 0 means as fast as the concurrency allows. */
  readonly rate: number;
  readonly endpoint: 'single' | 'batch';
  readonly batchSize: number;
}

export interface CanarySettings {
  /** Time between canary messages. */
  readonly intervalMs: number;
  /** A message not read back on a path within this time counts as lost on that path. */
  readonly timeoutMs: number;
  /** Environment of the canary messages, kept apart from real data. */
  readonly environment: string;
}

/** Everything a producer needs, whatever it was read from (the environment, or the demo's options). */
export interface ProducerSettings {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly environments: readonly string[];
  readonly source: string;
  readonly mode: Mode;
  readonly intervalMs: number;
  readonly payload: PayloadSpec;
  readonly spoolDir: string;
  readonly spoolMax: number;
  readonly spoolBatchSize: number;
  readonly retry: RetryPolicy;
  readonly requestTimeoutMs: number;
  readonly load: LoadSettings;
  readonly canary: CanarySettings;
}

/** Fits a CronJob that runs every minute: the worst case, 20 s of retries plus one 5 s request, ends well inside it. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ maxAttempts: 5, maxTimeMs: 20_000, baseDelayMs: 500, maxDelayMs: 5_000 });
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_SPOOL_MAX = 10_000;
export const DEFAULT_SPOOL_BATCH_SIZE = 100;
export const DEFAULT_CANARY: CanarySettings = Object.freeze({ intervalMs: 15_000, timeoutMs: 60_000, environment: 'canary' });
