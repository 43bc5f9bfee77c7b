import type { BatchResponse, BatchResult, ErrorCode, MessageInput } from '@pulse/contract';
import { SpanKind, injectTraceHeaders, recordFailure, withSpan } from '@pulse/telemetry';
import { Agent, request } from 'undici';
import { parseRetryAfter, type Retryable } from './retry.ts';

/** The only answers worth repeating: the request may not have been processed, or the server asked for a pause. */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

/** Refusals about the message itself: sending it again can never succeed, so it is set aside. */
const MESSAGE_REJECTIONS: ReadonlySet<string> = new Set<ErrorCode>(['VALIDATION_FAILED', 'INVALID_JSON', 'PAYLOAD_TOO_LARGE', 'IDEMPOTENCY_KEY_REUSED']);

export interface Delivered {
  readonly kind: 'delivered';
  readonly status: 'stored' | 'duplicate';
}

export interface BatchAnswered {
  readonly kind: 'answered';
  readonly results: readonly BatchResult[];
}

/** A final, non-retryable answer: `rejected` when the message is at fault, otherwise the setup is (key, URL, server). */
export interface Failed {
  readonly kind: 'failed';
  readonly status: number;
  readonly code: string;
  readonly error: string;
  readonly rejected: boolean;
}

export type SendOutcome = Delivered | Failed | Retryable;
export type BatchOutcome = BatchAnswered | Failed | Retryable;

export interface ApiClientOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly requestTimeoutMs: number;
  /** Connections kept to the API; the load mode sets it to its concurrency. */
  readonly connections?: number;
  /** Called after each request with its duration, for the request-latency histogram. */
  readonly onRequest?: (endpoint: 'single' | 'batch', outcome: string, seconds: number) => void;
}

interface Answer {
  readonly status: number;
  header(name: string): string | null;
  text(): Promise<string>;
}

/** The producer's side of the Pulse API: every answer is turned into delivered, retryable or failed. */
export class ApiClient {
  readonly #options: ApiClientOptions;
  /** Its own pool, so close() lets a one-shot run exit at once instead of waiting for idle keep-alive sockets. */
  readonly #agent: Agent;

  constructor(options: ApiClientOptions) {
    this.#options = options;
    this.#agent = new Agent({ connections: options.connections ?? 4 });
  }

  async send(message: MessageInput, signal?: AbortSignal): Promise<SendOutcome> {
    return this.#timed('single', () => this.#post('/api/messages', message, { 'idempotency-key': message.message_id ?? '' }, signal, async (answer) => {
      await answer.text();
      return { kind: 'delivered', status: answer.status === 201 && answer.header('idempotent-replayed') !== 'true' ? 'stored' : 'duplicate' };
    }));
  }

  async sendBatch(messages: readonly MessageInput[], signal?: AbortSignal): Promise<BatchOutcome> {
    return this.#timed('batch', () => this.#post('/api/messages/batch', { messages }, {}, signal, async (answer) => {
      const body = JSON.parse(await answer.text()) as BatchResponse;
      return { kind: 'answered', results: body.results };
    }));
  }

  async #timed<T extends { kind: string }>(endpoint: 'single' | 'batch', work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const outcome = await work();
    this.#options.onRequest?.(endpoint, outcome.kind, (performance.now() - started) / 1000);
    return outcome;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  /** One client span per attempt; its traceparent header lets the API's spans join the same trace. */
  #post<T extends { kind: string }>(path: string, body: unknown, headers: Record<string, string>, signal: AbortSignal | undefined, onSuccess: (answer: Answer) => Promise<T>): Promise<T | Failed | Retryable> {
    return withSpan(`POST ${path}`, { 'http.request.method': 'POST', 'url.path': path }, async (span) => {
      const outcome = await this.#attempt(path, body, injectTraceHeaders({ ...headers }), signal, onSuccess, (status) => span.setAttribute('http.response.status_code', status));
      if (outcome.kind === 'failed' || outcome.kind === 'retryable') recordFailure(span, { code: 'code' in outcome ? String(outcome.code) : outcome.kind });
      return outcome;
    }, { kind: SpanKind.CLIENT });
  }

  async #attempt<T>(path: string, body: unknown, headers: Record<string, string>, signal: AbortSignal | undefined, onSuccess: (answer: Answer) => Promise<T>, onStatus: (status: number) => void): Promise<T | Failed | Retryable> {
    const timeout = this.#options.requestTimeoutMs;
    try {
      const response = await request(`${this.#options.apiUrl}${path}`, {
        method: 'POST',
        dispatcher: this.#agent,
        headers: {
          authorization: `Bearer ${this.#options.apiKey}`,
          'content-type': 'application/json',
          'user-agent': 'pulse-producer',
          ...headers,
        },
        body: JSON.stringify(body),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        // A stop aborts the request too: its message stays spooled, and a replay of its id is harmless.
        signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(timeout)]) : AbortSignal.timeout(timeout),
      });
      onStatus(response.statusCode);
      const answer: Answer = {
        status: response.statusCode,
        header: (name) => {
          const value = response.headers[name];
          return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
        },
        text: () => response.body.text(),
      };
      if (answer.status === 200 || answer.status === 201) return await onSuccess(answer);
      const text = await answer.text();
      if (RETRYABLE_STATUSES.has(answer.status)) {
        return { kind: 'retryable', reason: `HTTP ${answer.status}`, retryAfterMs: parseRetryAfter(answer.header('retry-after')) };
      }
      const { error, code } = errorBody(text, answer.status);
      return { kind: 'failed', status: answer.status, code, error, rejected: MESSAGE_REJECTIONS.has(code) };
    } catch (error) {
      return { kind: 'retryable', reason: networkReason(error) };
    }
  }
}

function errorBody(text: string, status: number): { error: string; code: string } {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; code?: unknown };
    if (typeof parsed.error === 'string') return { error: parsed.error, code: typeof parsed.code === 'string' ? parsed.code : `HTTP_${status}` };
  } catch {
    // Not the API's JSON (a proxy's page, say): its first line is the best description there is.
  }
  return { error: text.split('\n')[0]?.slice(0, 200) || `HTTP ${status}`, code: `HTTP_${status}` };
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return `network error: ${String(error)}`;
  if (error.name === 'TimeoutError' || (error as { code?: unknown }).code === 'UND_ERR_HEADERS_TIMEOUT') return 'request timed out';
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `network error ${code}` : `network error: ${error.message}`;
}
