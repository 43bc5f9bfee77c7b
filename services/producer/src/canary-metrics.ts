import { Counter, Histogram, type Registry } from 'prom-client';

export type ReadPath = 'stream' | 'query';

const END_TO_END_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The canary's own metrics, added to the producer's registry (one scrape shows both). */
export class CanaryMetrics {
  readonly sent: Counter;
  readonly writeFailures: Counter;
  readonly received: Counter;
  readonly lost: Counter;
  readonly endToEnd: Histogram;
  readonly streamReconnects: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.sent = new Counter({ name: 'pulse_canary_sent_total', help: 'Canary messages written (every attempt, whatever the answer)', registers });
    this.writeFailures = new Counter({ name: 'pulse_canary_write_failures_total', help: 'Canary writes the API did not acknowledge, by reason (unreachable, refused)', labelNames: ['reason'], registers });
    this.received = new Counter({ name: 'pulse_canary_received_total', help: 'Canary messages read back in time, by path (stream, query)', labelNames: ['path'], registers });
    this.lost = new Counter({ name: 'pulse_canary_lost_total', help: 'Canary messages not read back within CANARY_TIMEOUT, by path (stream, query)', labelNames: ['path'], registers });
    this.endToEnd = new Histogram({ name: 'pulse_canary_end_to_end_seconds', help: 'From writing a canary message to reading it back, by path (stream, query)', labelNames: ['path'], buckets: END_TO_END_BUCKETS, registers });
    this.streamReconnects = new Counter({ name: 'pulse_canary_stream_reconnects_total', help: 'Live-stream connections the canary had to open again (ended, failed or silent for too long)', registers });
    // Zero series from the start, so a rate over a path that never lost anything is 0, not absent.
    for (const path of ['stream', 'query']) {
      this.received.inc({ path }, 0);
      this.lost.inc({ path }, 0);
    }
    for (const reason of ['unreachable', 'refused']) this.writeFailures.inc({ reason }, 0);
  }
}
