import type { Logger } from '@pulse/logger';
import type { ApiClient, Failed } from './api-client.ts';
import type { ProducerMetrics } from './producer-metrics.ts';
import { withRetries, type RetryPolicy } from './retry.ts';
import type { Spool, SpooledMessage } from './spool.ts';

export interface DeliveryReport {
  delivered: number;
  rejected: number;
  /** Messages that existed only in memory (spool full) and were not delivered. */
  lost: number;
  /** A refusal that is not the message's fault (bad key, wrong URL): sending stops until a person fixes it. */
  refused: Failed | undefined;
}

type Pass = 'ok' | 'unreachable' | 'refused';

/**
 * Moves messages from the spool to the API: the older backlog first, oldest
 * first in batches, then the new messages one by one. A message leaves the
 * spool only after the API answered for it.
 */
export class Courier {
  readonly #client: ApiClient;
  readonly #spool: Spool;
  readonly #retry: RetryPolicy;
  readonly #batchSize: number;
  readonly #log: Logger;
  readonly #metrics: ProducerMetrics;

  constructor(options: { client: ApiClient; spool: Spool; retry: RetryPolicy; batchSize: number; logger: Logger; metrics: ProducerMetrics }) {
    this.#client = options.client;
    this.#spool = options.spool;
    this.#retry = options.retry;
    this.#batchSize = options.batchSize;
    this.#log = options.logger;
    this.#metrics = options.metrics;
  }

  /** Writes new messages to the spool before any attempt, so a crash from here on loses none; returns those that did not fit. */
  async admit(messages: readonly SpooledMessage[]): Promise<SpooledMessage[]> {
    const unspooled: SpooledMessage[] = [];
    for (const message of messages) {
      if (await this.#spool.add(message).catch((error: unknown) => this.#spoolFailed(message, error))) {
        this.#metrics.spooled.inc();
        this.#log.info({ message_id: message.message_id, environment: message.environment }, 'message created and spooled');
      } else {
        unspooled.push(message);
        this.#log.error({ message_id: message.message_id, spool_max: this.#spool.max, spool_dir: this.#spool.dir }, 'spool full: this message is lost unless delivered now; fix the API or raise SPOOL_MAX');
      }
    }
    return unspooled;
  }

  #spoolFailed(message: SpooledMessage, error: unknown): false {
    this.#log.error({ message_id: message.message_id, spool_dir: this.#spool.dir, err: error }, 'cannot write to the spool: this message is lost unless delivered now');
    return false;
  }

  async deliver(fresh: readonly SpooledMessage[], unspooled: readonly SpooledMessage[], signal: AbortSignal): Promise<DeliveryReport> {
    const report: DeliveryReport = { delivered: 0, rejected: 0, lost: 0, refused: undefined };
    const freshIds = new Set(fresh.map((m) => m.message_id));
    const backlog = (await this.#spool.ids()).filter((id) => !freshIds.has(id));
    let pass = await this.#drain(backlog, report, signal);
    for (const message of fresh) {
      const spooled = !unspooled.includes(message);
      if (pass === 'ok' && !signal.aborted) pass = await this.#deliverOne(message, spooled, report, signal);
      else if (spooled) this.#log.warn({ message_id: message.message_id }, 'message stays spooled for the next attempt');
      if (!spooled && pass !== 'ok') report.lost += 1;
    }
    this.#metrics.notDelivered('lost', report.lost);
    return report;
  }

  async #drain(ids: readonly string[], report: DeliveryReport, signal: AbortSignal): Promise<Pass> {
    if (ids.length > 0) this.#log.info({ spooled: ids.length }, 'delivering spooled messages, oldest first');
    for (let start = 0; start < ids.length; start += this.#batchSize) {
      if (signal.aborted) return 'unreachable';
      const batch: SpooledMessage[] = [];
      for (const id of ids.slice(start, start + this.#batchSize)) {
        const message = await this.#spool.read(id);
        if (message === 'missing') continue;
        if (message === 'unreadable') {
          await this.#spool.reject(id, { code: 'UNREADABLE_SPOOL_FILE', error: 'the spool file is not a message' });
          this.#log.error({ message_id: id, code: 'UNREADABLE_SPOOL_FILE' }, 'spool file unreadable; moved to rejected/');
          this.#metrics.notDelivered('rejected');
          report.rejected += 1;
        } else batch.push(message);
      }
      if (batch.length === 0) continue;
      const outcome = await withRetries(() => this.#client.sendBatch(batch, signal), {
        policy: this.#retry,
        signal,
        onRetry: (event) => {
          this.#metrics.retried('batch');
          this.#log.warn({ message_ids: batch.map((m) => m.message_id), attempt: event.attempt, delay_ms: event.delayMs, reason: event.reason }, 'delivery retry (batch)');
        },
      });
      if (outcome.kind === 'retryable') {
        this.#metrics.notDelivered('unreachable', batch.length);
        this.#log.warn({ spooled: ids.length - start, reason: outcome.reason }, 'API unreachable; spooled messages stay for the next attempt');
        return 'unreachable';
      }
      if (outcome.kind === 'failed') return this.#refuse(outcome, report, batch[0]!.message_id, batch.length);
      const delivered: string[] = [];
      for (const result of outcome.results) {
        const message = batch[result.index];
        if (message === undefined) continue;
        if (result.status === 'invalid') {
          await this.#spool.reject(message.message_id, { status: 400, code: result.code ?? 'VALIDATION_FAILED', error: result.error ?? 'invalid' });
          this.#log.error({ message_id: message.message_id, code: result.code, error: result.error }, 'message rejected by the API; moved to rejected/');
          this.#metrics.notDelivered('rejected');
          report.rejected += 1;
        } else {
          delivered.push(message.message_id);
          this.#metrics.delivered(result.status);
          this.#log.info({ message_id: message.message_id, status: result.status, id: result.id, via: 'batch' }, 'message delivered');
        }
      }
      await this.#spool.remove(delivered);
      report.delivered += delivered.length;
    }
    return 'ok';
  }

  async #deliverOne(message: SpooledMessage, spooled: boolean, report: DeliveryReport, signal: AbortSignal): Promise<Pass> {
    let attempts = 0;
    const outcome = await withRetries(
      (n) => {
        attempts = n;
        return this.#client.send(message, signal);
      },
      {
        policy: this.#retry,
        signal,
        onRetry: (event) => {
          this.#metrics.retried('single');
          this.#log.warn({ message_id: message.message_id, attempt: event.attempt, delay_ms: event.delayMs, reason: event.reason }, 'delivery retry');
        },
      },
    );
    if (outcome.kind === 'delivered') {
      if (spooled) await this.#spool.remove([message.message_id]);
      this.#log.info({ message_id: message.message_id, status: outcome.status, attempts }, 'message delivered');
      this.#metrics.delivered(outcome.status);
      report.delivered += 1;
      return 'ok';
    }
    if (outcome.kind === 'retryable') {
      // An unspooled message that fails here is counted once, as lost.
      if (spooled) this.#metrics.notDelivered('unreachable');
      this.#log.warn({ message_id: message.message_id, attempts, reason: outcome.reason }, spooled ? 'not delivered in time; message stays spooled' : 'not delivered in time');
      return 'unreachable';
    }
    if (!outcome.rejected) return this.#refuse(outcome, report, message.message_id);
    if (spooled) await this.#spool.reject(message.message_id, { status: outcome.status, code: outcome.code, error: outcome.error });
    this.#log.error({ message_id: message.message_id, status: outcome.status, code: outcome.code, error: outcome.error }, 'message rejected by the API; moved to rejected/');
    this.#metrics.notDelivered('rejected');
    report.rejected += 1;
    return 'ok';
  }

  #refuse(outcome: Failed, report: DeliveryReport, messageId: string, messages = 1): Pass {
    this.#metrics.notDelivered('refused', messages);
    this.#log.error({ message_id: messageId, status: outcome.status, code: outcome.code, error: outcome.error }, `API refused delivery: ${outcome.error}; messages stay spooled`);
    report.refused = outcome;
    return 'refused';
  }
}
