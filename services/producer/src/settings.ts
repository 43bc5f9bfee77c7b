import type { RetryPolicy } from './retry.ts';
import type { PayloadSpec } from './payload-source.ts';

export type Mode = 'once' | 'interval' | 'load';

export interface LoadSettings {
  readonly count: number;
  readonly concurrency: number;
  /** Messages per second; 0 means as fast as the concurrency allows. */
  readonly rate: number;
  readonly endpoint: 'single' | 'batch';
  readonly batchSize: number;
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
}

/** Fits a CronJob that runs every minute: the worst case, 20 s of retries plus one 5 s request, ends well inside it. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ maxAttempts: 5, maxTimeMs: 20_000, baseDelayMs: 500, maxDelayMs: 5_000 });
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
export const DEFAULT_SPOOL_MAX = 10_000;
export const DEFAULT_SPOOL_BATCH_SIZE = 100;
