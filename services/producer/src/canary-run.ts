import type { ListMessagesResponse } from '@pulse/contract';
import type { Logger } from '@pulse/logger';
import { Agent, request } from 'undici';
import type { ApiClient } from './api-client.ts';
import { CanaryLedger } from './canary-ledger.ts';
import type { CanaryMetrics } from './canary-metrics.ts';
import { followStream } from './canary-stream.ts';
import type { CanarySettings } from './settings.ts';
import type { SpooledMessage } from './spool.ts';

export interface CanaryRunOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly requestTimeoutMs: number;
  readonly canary: CanarySettings;
  readonly client: ApiClient;
  readonly metrics: CanaryMetrics;
  readonly newMessage: (environment: string) => SpooledMessage;
  readonly logger: Logger;
  readonly signal: AbortSignal;
}

/**
 * Writes a canary message every interval, with no retry and no spool (a write
 * that fails is a finding, not something to hide), and reads each one back
 * through the live stream and through the query. Runs until `signal` aborts.
 */
export async function runCanary(options: CanaryRunOptions): Promise<void> {
  const { canary, metrics, logger, signal } = options;
  const ledger = new CanaryLedger(metrics, canary.timeoutMs);
  const agent = new Agent({ connections: 4 });
  let connected: () => void = () => undefined;
  const firstConnection = new Promise<void>((resolve) => (connected = resolve));
  const streaming = followStream({
    apiUrl: options.apiUrl,
    apiKey: options.apiKey,
    environment: canary.environment,
    agent,
    requestTimeoutMs: options.requestTimeoutMs,
    logger,
    signal,
    onMessage: (message) => ledger.seen(message.message_id, 'stream'),
    onConnected: () => connected(),
    onDisconnected: () => metrics.streamReconnects.inc(),
  });

  const write = async (): Promise<void> => {
    const message = options.newMessage(canary.environment);
    ledger.track(message.message_id, message.datetime);
    const outcome = await options.client.send(message, signal);
    if (outcome.kind === 'delivered' || signal.aborted) return;
    const reason = outcome.kind === 'retryable' ? 'unreachable' : 'refused';
    metrics.writeFailures.inc({ reason });
    logger.warn({ message_id: message.message_id, reason, ...('error' in outcome ? { error: outcome.error } : { cause: outcome.reason }) }, 'canary: write not acknowledged');
  };

  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    try {
      await readBack(options, ledger, agent);
    } catch (error) {
      logger.warn({ err: error }, 'canary: query failed');
    } finally {
      for (const { messageId, paths } of ledger.expire()) logger.error({ message_id: messageId, paths, timeout_ms: canary.timeoutMs }, 'canary: message lost (not read back in time)');
      sweeping = false;
    }
  };

  logger.info({ interval_ms: canary.intervalMs, timeout_ms: canary.timeoutMs, environment: canary.environment, api_url: options.apiUrl }, 'canary started');
  // Writing before the stream listens would count stream losses that are only a slow start.
  await Promise.race([firstConnection, new Promise((resolve) => setTimeout(resolve, options.requestTimeoutMs).unref())]);
  const timers = [setInterval(() => void write(), canary.intervalMs), setInterval(() => void sweep(), Math.min(1000, canary.intervalMs))];
  void write();
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  for (const timer of timers) clearInterval(timer);
  await streaming;
  await agent.close();
}

/** One query for every message still awaited there: newest first, since the oldest awaited one was written. */
async function readBack(options: CanaryRunOptions, ledger: CanaryLedger, agent: Agent): Promise<void> {
  const since = ledger.oldestAwaited('query');
  if (since === undefined) return;
  const query = new URLSearchParams({ environment: options.canary.environment, since, limit: '1000' });
  const response = await request(`${options.apiUrl}/api/messages?${query}`, {
    dispatcher: agent,
    headers: { authorization: `Bearer ${options.apiKey}`, 'user-agent': 'pulse-canary' },
    headersTimeout: options.requestTimeoutMs,
    bodyTimeout: options.requestTimeoutMs,
    signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.requestTimeoutMs)]),
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET /api/messages: HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
  for (const message of (JSON.parse(text) as ListMessagesResponse).messages) ledger.seen(message.message_id, 'query');
}
