import { createLogger, type Logger } from '@pulse/logger';
import { createProducer, EXIT } from './app.ts';
import type { PayloadSpec } from './payload-source.ts';
import { DEFAULT_CANARY, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY, DEFAULT_SPOOL_BATCH_SIZE, DEFAULT_SPOOL_MAX, type ProducerSettings } from './settings.ts';

export interface StartProducerOptions {
  apiUrl: string;
  apiKey: string;
  spoolDir: string;
  environments?: string[];
  intervalMs?: number;
  source?: string;
  payload?: PayloadSpec;
  logger?: Logger;
}

/** An interval producer inside this process (what `npm start` runs for the demo tenant); stop() ends it cleanly. */
export function startProducer(options: StartProducerOptions): { stop(): Promise<void> } {
  const settings: ProducerSettings = {
    apiUrl: options.apiUrl.replace(/\/+$/, ''),
    apiKey: options.apiKey,
    environments: options.environments ?? ['prod', 'test'],
    source: options.source ?? 'demo-producer',
    mode: 'interval',
    intervalMs: options.intervalMs ?? 2000,
    payload: options.payload ?? { kind: 'sensor' },
    spoolDir: options.spoolDir,
    spoolMax: DEFAULT_SPOOL_MAX,
    spoolBatchSize: DEFAULT_SPOOL_BATCH_SIZE,
    retry: DEFAULT_RETRY,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    load: { count: 0, concurrency: 1, rate: 0, endpoint: 'single', batchSize: 1 },
    canary: DEFAULT_CANARY,
  };
  const logger = options.logger ?? createLogger({ service: 'producer', level: 'warn' });
  const controller = new AbortController();
  const running = createProducer(settings, logger).runInterval(controller.signal).catch((error: unknown) => {
    logger.error({ err: error }, 'producer failed');
    return EXIT.UNDELIVERED;
  });
  return {
    async stop() {
      controller.abort();
      await running;
    },
  };
}
