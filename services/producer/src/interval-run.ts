import type { Logger } from '@pulse/logger';
import type { Courier } from './courier.ts';
import type { SpooledMessage } from './spool.ts';

export interface RunTotals {
  delivered: number;
  rejected: number;
  lost: number;
  refused: boolean;
}

/**
 * Creates messages every `intervalMs` and delivers them until `signal` aborts
 * or the API refuses the key. Creation runs on its own clock, so a long outage
 * still yields one message per interval, each spooled, delivered when the API
 * is back.
 */
export async function runInterval(options: {
  courier: Courier;
  createDue: () => SpooledMessage[];
  intervalMs: number;
  logger: Logger;
  signal: AbortSignal;
}): Promise<RunTotals> {
  const { courier, signal } = options;
  const totals: RunTotals = { delivered: 0, rejected: 0, lost: 0, refused: false };
  const pending: { fresh: SpooledMessage[]; unspooled: SpooledMessage[] }[] = [];
  let wake: () => void = () => undefined;
  let admitting = Promise.resolve();
  const tick = (): void => {
    admitting = admitting.then(async () => {
      const fresh = options.createDue();
      pending.push({ fresh, unspooled: await courier.admit(fresh) });
      wake();
    });
  };
  const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  tick();
  const timer = setInterval(tick, options.intervalMs);
  try {
    while (!signal.aborted && !totals.refused) {
      if (pending.length === 0) await Promise.race([stopped, new Promise<void>((resolve) => (wake = resolve))]);
      const work = pending.splice(0);
      if (work.length === 0) continue;
      const report = await courier.deliver(work.flatMap((w) => w.fresh), work.flatMap((w) => w.unspooled), signal);
      totals.delivered += report.delivered;
      totals.rejected += report.rejected;
      totals.lost += report.lost;
      totals.refused ||= report.refused !== undefined;
    }
  } finally {
    clearInterval(timer);
    await admitting;
  }
  return totals;
}
