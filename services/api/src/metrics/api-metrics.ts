import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PoolStats } from '../db/database.ts';
import { TenantLabel } from './tenant-label.ts';

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const END_TO_END_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface MetricSources {
  poolStats: () => PoolStats;
  subscribers: () => number;
}

/** Every metric the API exports, in one registry per app (so tests never share counters). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly tenants: TenantLabel;

  readonly httpRequests = new Counter({ name: 'pulse_http_requests_total', help: 'HTTP requests by method, route and status', labelNames: ['method', 'route', 'status'], registers: [this.registry] });
  readonly httpDuration = new Histogram({ name: 'pulse_http_request_duration_seconds', help: 'HTTP request duration by method, route and status', labelNames: ['method', 'route', 'status'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly messagesStored = new Counter({ name: 'pulse_messages_stored_total', help: 'Messages committed, by tenant', labelNames: ['tenant'], registers: [this.registry] });
  readonly messagesDuplicate = new Counter({ name: 'pulse_messages_duplicate_total', help: 'Messages not stored again because their id was already stored, by tenant', labelNames: ['tenant'], registers: [this.registry] });
  readonly messagesRejected = new Counter({ name: 'pulse_messages_rejected_total', help: 'Messages refused, by error code and tenant', labelNames: ['reason', 'tenant'], registers: [this.registry] });
  readonly batchSize = new Histogram({ name: 'pulse_batch_messages', help: 'Messages per POST /api/messages/batch request', buckets: [1, 10, 50, 100, 250, 500, 1000], registers: [this.registry] });
  readonly commitSize = new Histogram({ name: 'pulse_commit_messages', help: 'Messages per commit of the group-commit writer', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 1000], registers: [this.registry] });
  readonly queryDuration = new Histogram({ name: 'pulse_db_query_duration_seconds', help: 'Duration of database operations (one transaction each)', labelNames: ['operation'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly ingestLatency = new Histogram({ name: 'pulse_ingest_latency_seconds', help: "From a message's datetime (its creation at the producer) to its commit", buckets: END_TO_END_BUCKETS, registers: [this.registry] });
  readonly streamLatency = new Histogram({ name: 'pulse_stream_delivery_latency_seconds', help: 'From commit to delivery on a live stream', buckets: END_TO_END_BUCKETS, registers: [this.registry] });

  constructor(sources: MetricSources, tenantLabelLimit = 200) {
    this.tenants = new TenantLabel(tenantLabelLimit);
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'pulse_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting requests, max)',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const stats = sources.poolStats();
        for (const [state, value] of Object.entries(stats)) this.set({ state }, value);
      },
    });
    new Gauge({
      name: 'pulse_stream_subscribers',
      help: 'Open live-stream (SSE) connections',
      registers: [this.registry],
      collect() {
        this.set(sources.subscribers());
      },
    });
  }

  /** Times one database operation. */
  async timed<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const end = this.queryDuration.startTimer({ operation });
    try {
      return await work();
    } finally {
      end();
    }
  }

  /**
   * Counts stored and duplicate messages, and how long stored ones took to arrive.
   * Refusals are counted where they are answered (the error handler, the batch route).
   */
  recordOutcomes(tenantId: string, outcomes: readonly { status: 'stored' | 'duplicate' | 'conflict'; message: { datetime: string; created_at: string } }[]): void {
    const tenant = this.tenants.of(tenantId);
    for (const outcome of outcomes) {
      if (outcome.status === 'stored') {
        this.messagesStored.inc({ tenant });
        const seconds = ApiMetrics.secondsBetween(outcome.message.datetime, outcome.message.created_at);
        if (seconds !== undefined) this.ingestLatency.observe(seconds);
      } else if (outcome.status === 'duplicate') this.messagesDuplicate.inc({ tenant });
    }
  }

  rejected(reason: string, tenantId: string | undefined, count = 1): void {
    this.messagesRejected.inc({ reason, tenant: this.tenants.of(tenantId) }, count);
  }

  /** Seconds between two ISO timestamps, when both parse and the gap is plausible. */
  static secondsBetween(from: string, to: string | number): number | undefined {
    const seconds = ((typeof to === 'number' ? to : Date.parse(to)) - Date.parse(from)) / 1000;
    return Number.isFinite(seconds) && seconds >= 0 && seconds < 86_400 ? seconds : undefined;
  }
}
