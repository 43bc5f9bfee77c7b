import { randomUUID } from 'node:crypto';
import { sleep } from './ports.ts';

export interface ChaosTenant {
  readonly id: string;
  readonly key: string;
}

/** One logical message: what a producer means to deliver, whatever ids it ends up using. */
export interface LogicalMessage {
  readonly logical: string;
  readonly tenant: string;
  /** Every message_id this message was sent under (more than one only with the new-id fault). */
  readonly ids: string[];
  readonly body: { datetime: string; environment: string; source: string; payload: Record<string, unknown> };
  /** The id the API acknowledged, once the outcome was definite and a success. */
  ackedId?: string;
  rejected?: { status: number; code: string };
}

export interface ClientTally {
  readonly messages: LogicalMessage[];
  attempts: number;
  unknownOutcomes: number;
  replays: number;
  acked: number;
  rejected: number;
  undecided: number;
}

export interface ProducerOptions {
  url: string;
  tenants: readonly ChaosTenant[];
  total: number;
  concurrency: number;
  /** Deliberate fault: a retry after an unknown outcome uses a fresh message_id. */
  retryWithNewId: boolean;
  /** Stop retrying at this time; messages still undecided are counted as such. */
  deadline: number;
  signal?: AbortSignal;
  requestTimeoutMs?: number;
}

const TEXTS = ['plain', 'ünïcødé ✓', 'emoji 🚀', 'quote " and \\ backslash', 'tab\tnewline\n', '中文', ''];

function makeMessage(worker: number, seq: number, tenant: string): LogicalMessage {
  const logical = `w${worker}-${seq}`;
  const at = new Date(Date.UTC(2025, 0, 1) + worker * 1_000_000 + seq * 7);
  return {
    logical,
    tenant,
    ids: [randomUUID()],
    body: {
      datetime: at.toISOString(),
      environment: seq % 3 === 0 ? 'test' : 'prod',
      source: `producer-${worker}`,
      payload: { logical, worker, seq, text: TEXTS[seq % TEXTS.length]!, nested: { values: [seq, seq * 0.5, -seq], flag: seq % 2 === 0, none: null } },
    },
  };
}

type Outcome = { kind: 'acked'; replayed: boolean } | { kind: 'rejected'; status: number; code: string } | { kind: 'unknown'; retryAfterMs: number };

async function sendOnce(options: ProducerOptions, key: string, messageId: string, body: LogicalMessage['body']): Promise<Outcome> {
  let response: Response;
  let text: string;
  try {
    response = await fetch(`${options.url}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, message_id: messageId }),
      signal: AbortSignal.timeout(options.requestTimeoutMs ?? 10_000),
    });
    text = await response.text();
  } catch {
    return { kind: 'unknown', retryAfterMs: 0 };
  }
  if (response.status === 201) return { kind: 'acked', replayed: false };
  if (response.status === 200 && response.headers.get('idempotent-replayed') === 'true') return { kind: 'acked', replayed: true };
  if (response.status === 408 || response.status === 409 || response.status === 429 || response.status >= 500) {
    const retryAfter = Number(response.headers.get('retry-after') ?? '0');
    return { kind: 'unknown', retryAfterMs: Number.isFinite(retryAfter) ? Math.min(retryAfter * 1000, 2000) : 0 };
  }
  let code: string;
  try {
    code = String((JSON.parse(text) as { code?: unknown }).code);
  } catch {
    code = 'UNPARSEABLE';
  }
  return { kind: 'rejected', status: response.status, code };
}

/**
 * Producers that each deliver their share of messages one request at a time,
 * retrying every unknown outcome (network error, timeout, 408/409/429/5xx)
 * with the same message_id until it is definite, as the contract asks.
 */
export async function runProducers(options: ProducerOptions, onAck: () => void = () => undefined): Promise<ClientTally> {
  const tally: ClientTally = { messages: [], attempts: 0, unknownOutcomes: 0, replays: 0, acked: 0, rejected: 0, undecided: 0 };
  const perWorker = Math.ceil(options.total / options.concurrency);
  const worker = async (index: number): Promise<void> => {
    const tenant = options.tenants[index % options.tenants.length]!;
    const count = Math.min(perWorker, options.total - index * perWorker);
    for (let seq = 0; seq < count; seq++) {
      const message = makeMessage(index, seq, tenant.id);
      tally.messages.push(message);
      for (let attempt = 0; ; attempt++) {
        if (Date.now() > options.deadline || options.signal?.aborted) {
          tally.undecided += 1;
          break;
        }
        tally.attempts += 1;
        const outcome = await sendOnce(options, tenant.key, message.ids.at(-1)!, message.body);
        if (outcome.kind === 'acked') {
          message.ackedId = message.ids.at(-1)!;
          tally.acked += 1;
          if (outcome.replayed) tally.replays += 1;
          onAck();
          break;
        }
        if (outcome.kind === 'rejected') {
          message.rejected = { status: outcome.status, code: outcome.code };
          tally.rejected += 1;
          break;
        }
        tally.unknownOutcomes += 1;
        if (options.retryWithNewId) message.ids.push(randomUUID());
        const backoff = Math.random() * Math.min(1000, 25 * 2 ** Math.min(attempt, 6));
        await sleep(Math.max(backoff, outcome.retryAfterMs * Math.random()));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)));
  return tally;
}
