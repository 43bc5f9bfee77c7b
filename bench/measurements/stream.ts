import http from 'node:http';
import { type BenchContext, type BenchTenant } from '../context.ts';
import { sampleMessage } from '../load.ts';

export interface FanOutResult {
  subscribers: number;
  messages: number;
  deliveries: number;
  /** Deliveries that never arrived (must be 0). */
  missed: number;
  /** From the POST's 201 (the commit is done by then) to receipt; slightly negative when the event beats the response. */
  p50Ms: number;
  p99Ms: number;
  /** From the moment the POST was sent: an upper bound on commit-to-delivery. */
  p50FromSendMs: number;
  p99FromSendMs: number;
}

interface Subscriber {
  received: Map<number, number>;
  close(): void;
}

const OPEN_AT_ONCE = 100;
const SETTLE_MS = 5000;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function subscribe(url: string, key: string, agent: http.Agent): Promise<Subscriber> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } }, (response) => {
      if (response.statusCode !== 200) {
        reject(new Error(`stream answered ${response.statusCode}`));
        response.resume();
        return;
      }
      const received = new Map<number, number>();
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const now = performance.now();
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          const id = /^id: (\d+)$/m.exec(event);
          if (id && /^event: message$/m.test(event)) received.set(Number(id[1]), now);
        }
      });
      response.on('error', () => undefined);
      resolve({ received, close: () => request.destroy() });
    });
    request.on('error', reject);
  });
}

async function post(ctx: BenchContext, key: string, n: number): Promise<{ id: number; sentAt: number; answeredAt: number }> {
  const sentAt = performance.now();
  const response = await fetch(`${ctx.api.url}/api/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(sampleMessage(n)),
  });
  const answeredAt = performance.now();
  if (response.status !== 201) throw new Error(`POST answered ${response.status}: ${await response.text()}`);
  const body = (await response.json()) as { data: { id: number } };
  return { id: body.data.id, sentAt, answeredAt };
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until every subscriber holds every id, or the deadline passes. */
async function settle(subscribers: readonly Subscriber[], ids: readonly number[], ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (subscribers.every((s) => ids.every((id) => s.received.has(id)))) return;
    await pause(20);
  }
}

/** (6) Live stream fan-out: delay from commit to delivery across all subscribers of one tenant. */
export async function measureFanOut(ctx: BenchContext, tenant: BenchTenant, count: number): Promise<FanOutResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const subscribers: Subscriber[] = [];
  try {
    const url = `${ctx.api.url}/api/messages/stream`;
    while (subscribers.length < count) {
      const chunk = Math.min(OPEN_AT_ONCE, count - subscribers.length);
      subscribers.push(...(await Promise.all(Array.from({ length: chunk }, () => subscribe(url, tenant.key, agent)))));
    }
    // A stream registers with the hub just after its headers go out; warm-up messages show when all are registered.
    let registered = false;
    for (let attempt = 0; attempt < 20 && !registered; attempt++) {
      const warm = await post(ctx, tenant.key, attempt);
      await settle(subscribers, [warm.id], 1000);
      registered = subscribers.every((s) => s.received.has(warm.id));
    }
    if (!registered) throw new Error('not every subscriber was registered after 20 warm-up messages');

    const sent: { id: number; sentAt: number; answeredAt: number }[] = [];
    for (let n = 0; n < ctx.plan.streamMessages; n++) {
      sent.push(await post(ctx, tenant.key, n));
      await pause(ctx.plan.streamIntervalMs);
    }
    await settle(subscribers, sent.map((s) => s.id), SETTLE_MS);

    const fromAnswer: number[] = [];
    const fromSend: number[] = [];
    let missed = 0;
    for (const subscriber of subscribers) {
      for (const message of sent) {
        const at = subscriber.received.get(message.id);
        if (at === undefined) {
          missed += 1;
          continue;
        }
        fromAnswer.push(at - message.answeredAt);
        fromSend.push(at - message.sentAt);
      }
    }
    fromAnswer.sort((a, b) => a - b);
    fromSend.sort((a, b) => a - b);
    return {
      subscribers: count,
      messages: sent.length,
      deliveries: fromAnswer.length,
      missed,
      p50Ms: percentile(fromAnswer, 50),
      p99Ms: percentile(fromAnswer, 99),
      p50FromSendMs: percentile(fromSend, 50),
      p99FromSendMs: percentile(fromSend, 99),
    };
  } finally {
    for (const subscriber of subscribers) subscriber.close();
    agent.destroy();
  }
}
