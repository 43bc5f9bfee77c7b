import type { CanaryMetrics, ReadPath } from './canary-metrics.ts';

interface Pending {
  readonly writtenAt: number;
  readonly datetime: string;
  readonly paths: Set<ReadPath>;
}

const PATHS: readonly ReadPath[] = ['stream', 'query'];

/**
 * The canary messages written and not yet read back on every path. A message
 * is tracked before its write starts, since the stream may deliver it before
 * the POST is answered; one not seen on a path within the timeout is lost there.
 */
export class CanaryLedger {
  readonly #pending = new Map<string, Pending>();
  readonly #metrics: CanaryMetrics;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(metrics: CanaryMetrics, timeoutMs: number, now: () => number = Date.now) {
    this.#metrics = metrics;
    this.#timeoutMs = timeoutMs;
    this.#now = now;
  }

  track(messageId: string, datetime: string): void {
    this.#pending.set(messageId, { writtenAt: this.#now(), datetime, paths: new Set(PATHS) });
    this.#metrics.sent.inc();
  }

  /** Records a message read back on a path; returns the seconds it took, or undefined if it was not awaited there. */
  seen(messageId: string, path: ReadPath): number | undefined {
    const entry = this.#pending.get(messageId);
    if (!entry?.paths.delete(path)) return undefined;
    const seconds = (this.#now() - entry.writtenAt) / 1000;
    this.#metrics.received.inc({ path });
    this.#metrics.endToEnd.observe({ path }, seconds);
    if (entry.paths.size === 0) this.#pending.delete(messageId);
    return seconds;
  }

  /** The creation time of the oldest message still awaited on the path, if any. */
  oldestAwaited(path: ReadPath): string | undefined {
    let oldest: string | undefined;
    for (const entry of this.#pending.values()) {
      if (entry.paths.has(path) && (oldest === undefined || entry.datetime < oldest)) oldest = entry.datetime;
    }
    return oldest;
  }

  /** Counts as lost, and forgets, every message past the timeout on the paths it was still awaited on. */
  expire(): { messageId: string; paths: ReadPath[] }[] {
    const lost: { messageId: string; paths: ReadPath[] }[] = [];
    const deadline = this.#now() - this.#timeoutMs;
    for (const [messageId, entry] of this.#pending) {
      if (entry.writtenAt > deadline) continue;
      const paths = [...entry.paths];
      for (const path of paths) this.#metrics.lost.inc({ path });
      this.#pending.delete(messageId);
      lost.push({ messageId, paths });
    }
    return lost;
  }
}
