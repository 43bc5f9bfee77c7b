import type { Logger } from '@pulse/logger';
import { ApiClient } from './api-client.ts';
import { CanaryMetrics } from './canary-metrics.ts';
import { runCanary } from './canary-run.ts';
import { Courier } from './courier.ts';
import { runInterval, type RunTotals } from './interval-run.ts';
import { formatLoadFigures, runLoad } from './load-run.ts';
import { createMessageFactory } from './message-factory.ts';
import { createPayloadSource } from './payload-source.ts';
import { ProducerMetrics } from './producer-metrics.ts';
import type { ProducerSettings } from './settings.ts';
import { Spool } from './spool.ts';

export const EXIT = Object.freeze({
  /** Everything due was delivered. */
  OK: 0,
  /** Messages remain spooled (the API was unreachable in time) or were lost because the spool was full. */
  UNDELIVERED: 1,
  /** Configuration is missing or invalid. */
  CONFIG: 2,
  /** The API refused: messages moved to rejected/, or the key or URL is wrong. */
  REFUSED: 3,
});

export interface Producer {
  readonly metrics: ProducerMetrics;
  runOnce(signal: AbortSignal): Promise<number>;
  runInterval(signal: AbortSignal): Promise<number>;
  /** Prints the figures through `write`; returns the exit code. */
  runLoad(signal: AbortSignal, write: (text: string) => void): Promise<number>;
  /** Writes canary messages and reads them back until `signal` aborts; returns 0. */
  runCanary(signal: AbortSignal): Promise<number>;
}

function exitCode(totals: RunTotals, remaining: number): number {
  if (totals.rejected > 0 || totals.refused) return EXIT.REFUSED;
  return remaining > 0 || totals.lost > 0 ? EXIT.UNDELIVERED : EXIT.OK;
}

/** Builds a producer from settings; nothing happens until a run method is called, and each run closes its connections. */
export function createProducer(settings: ProducerSettings, logger: Logger, metrics: ProducerMetrics = new ProducerMetrics()): Producer {
  const client = new ApiClient({
    onRequest: (endpoint, outcome, seconds) => metrics.observeRequest(endpoint, outcome, seconds),
    apiUrl: settings.apiUrl,
    apiKey: settings.apiKey,
    requestTimeoutMs: settings.requestTimeoutMs,
    connections: settings.mode === 'load' ? settings.load.concurrency : undefined,
  });
  const newMessage = createMessageFactory(settings.source, createPayloadSource(settings.payload));
  const createDue = () => settings.environments.map(newMessage);

  const withSpool = async (run: (courier: Courier) => Promise<RunTotals>, spooledIsFailure: boolean): Promise<number> => {
    try {
      const { spool, recovered, discarded } = await Spool.open(settings.spoolDir, settings.spoolMax);
      for (const id of recovered) logger.info({ message_id: id }, 'spool: finished a write interrupted by a crash');
      for (const id of discarded) logger.warn({ message_id: id }, 'spool: dropped a partial write from a crash (never acknowledged)');
      metrics.watchSpool(async () => (await spool.ids()).length);
      const courier = new Courier({ client, spool, retry: settings.retry, batchSize: settings.spoolBatchSize, logger, metrics });
      const totals = await run(courier);
      const remaining = (await spool.ids()).length;
      logger.info({ ...totals, spooled: remaining }, remaining > 0 ? 'run finished; messages remain spooled' : 'run finished');
      return exitCode(totals, spooledIsFailure ? remaining : 0);
    } finally {
      await client.close();
    }
  };

  return {
    metrics,
    runOnce: (signal) =>
      withSpool(async (courier) => {
        const fresh = createDue();
        const report = await courier.deliver(fresh, await courier.admit(fresh), signal);
        return { ...report, refused: report.refused !== undefined };
      }, true),

    // A stop is not a failure: what is still spooled is durable and goes out with the next run.
    runInterval: (signal) =>
      withSpool((courier) => {
        logger.info({ interval_ms: settings.intervalMs, environments: settings.environments, api_url: settings.apiUrl }, 'producer started');
        return runInterval({ courier, createDue, intervalMs: settings.intervalMs, logger, signal });
      }, false),

    async runLoad(signal, write) {
      try {
        const environment = settings.environments[0]!;
        const figures = await runLoad({ load: settings.load, client, retry: settings.retry, createMessage: () => newMessage(environment), logger, signal, metrics });
        write(formatLoadFigures(figures));
        return figures.failed > 0 ? EXIT.UNDELIVERED : EXIT.OK;
      } finally {
        await client.close();
      }
    },

    async runCanary(signal) {
      try {
        const canary = new CanaryMetrics(metrics.registry);
        await runCanary({ apiUrl: settings.apiUrl, apiKey: settings.apiKey, requestTimeoutMs: settings.requestTimeoutMs, canary: settings.canary, client, metrics: canary, newMessage, logger, signal });
        return EXIT.OK;
      } finally {
        await client.close();
      }
    },
  };
}
