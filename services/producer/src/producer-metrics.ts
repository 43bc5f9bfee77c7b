import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type Endpoint = 'single' | 'batch';

/**
 * Why messages did not reach the API: `rejected` (the API refused the message
 * itself; moved to rejected/), `refused` (key, URL or server at fault),
 * `unreachable` (retries used up; they stay spooled), `lost` (the spool was
 * full and the one attempt failed).
 */
export type FailureReason = 'rejected' | 'refused' | 'unreachable' | 'lost';

const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Every metric a producer exports, in its own registry (a test can run several producers in one process). */
export class ProducerMetrics {
  readonly registry = new Registry();

  readonly sent = new Counter({ name: 'pulse_producer_messages_sent_total', help: 'Messages the API answered for, by its answer (stored or duplicate)', labelNames: ['status'], registers: [this.registry] });
  readonly retries = new Counter({ name: 'pulse_producer_retries_total', help: 'Requests repeated after a network error, timeout, 408, 429 or 5xx gateway answer, by endpoint', labelNames: ['endpoint'], registers: [this.registry] });
  readonly spooled = new Counter({ name: 'pulse_producer_messages_spooled_total', help: 'Messages written to the durable spool before their first attempt', registers: [this.registry] });
  readonly failed = new Counter({ name: 'pulse_producer_messages_failed_total', help: 'Messages not delivered by an attempt, by reason (rejected, refused, unreachable, lost)', labelNames: ['reason'], registers: [this.registry] });
  readonly requestDuration = new Histogram({ name: 'pulse_producer_request_duration_seconds', help: 'Duration of one HTTP request to the API, by endpoint and outcome (delivered, answered, retryable, failed)', labelNames: ['endpoint', 'outcome'], buckets: REQUEST_BUCKETS, registers: [this.registry] });
  readonly lastRunExitCode = new Gauge({ name: 'pulse_producer_last_run_exit_code', help: 'Exit code of the last once-mode run (pushed to a Pushgateway): 0 delivered, 1 left spooled or lost, 3 refused', registers: [this.registry] });

  #spoolDepth: () => Promise<number> = async () => 0;

  constructor() {
    // Every label value exported from the start, so an alert's rate over a failure that never happened is 0, not absent.
    for (const reason of ['rejected', 'refused', 'unreachable', 'lost'] satisfies FailureReason[]) this.failed.inc({ reason }, 0);
    for (const endpoint of ['single', 'batch'] satisfies Endpoint[]) this.retries.inc({ endpoint }, 0);
    for (const status of ['stored', 'duplicate']) this.sent.inc({ status }, 0);
    const depth = (): Promise<number> => this.#spoolDepth();
    new Gauge({
      name: 'pulse_producer_spool_messages',
      help: 'Messages waiting in the spool (undelivered)',
      registers: [this.registry],
      async collect() {
        this.set(await depth());
      },
    });
  }

  /** Process CPU, memory and event-loop metrics; only for a real process, not for a producer embedded in the demo. */
  collectProcessMetrics(): void {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The spool whose depth a scrape reports (read at scrape time, so it is never stale). */
  watchSpool(count: () => Promise<number>): void {
    this.#spoolDepth = count;
  }

  delivered(status: 'stored' | 'duplicate', count = 1): void {
    this.sent.inc({ status }, count);
  }

  notDelivered(reason: FailureReason, count = 1): void {
    if (count > 0) this.failed.inc({ reason }, count);
  }

  retried(endpoint: Endpoint): void {
    this.retries.inc({ endpoint });
  }

  observeRequest(endpoint: Endpoint, outcome: string, seconds: number): void {
    this.requestDuration.observe({ endpoint, outcome }, seconds);
  }
}
