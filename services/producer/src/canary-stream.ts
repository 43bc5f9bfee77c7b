import { setTimeout as sleep } from 'node:timers/promises';
import type { StoredMessage } from '@pulse/contract';
import type { Logger } from '@pulse/logger';
import { createParser } from 'eventsource-parser';
import { request, type Agent } from 'undici';

/** The API sends a keep-alive comment every 15 s; a stream silent for longer than this has stalled. */
export const STREAM_IDLE_TIMEOUT_MS = 40_000;
const DEFAULT_RECONNECT_MS = 2_000;

export interface StreamOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly environment: string;
  readonly agent: Agent;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs?: number;
  readonly logger: Logger;
  readonly signal: AbortSignal;
  onMessage(message: StoredMessage): void;
  /** Called once each time a connection is answered with 200. */
  onConnected(): void;
  /** Called each time a connection ends, fails or is refused, before the next attempt. */
  onDisconnected(reason: string): void;
}

/**
 * Follows GET /api/messages/stream until `signal` aborts, reconnecting after
 * any end or failure and resuming with Last-Event-ID, as a browser's
 * EventSource would, so an outage only delays what the stream delivers.
 */
export async function followStream(options: StreamOptions): Promise<void> {
  let lastEventId: string | undefined;
  let reconnectMs = DEFAULT_RECONNECT_MS;
  const query = new URLSearchParams({ environment: options.environment });
  while (!options.signal.aborted) {
    let reason: string;
    try {
      const response = await request(`${options.apiUrl}/api/messages/stream?${query}`, {
        dispatcher: options.agent,
        headers: {
          authorization: `Bearer ${options.apiKey}`,
          accept: 'text/event-stream',
          'user-agent': 'pulse-canary',
          ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }),
        },
        headersTimeout: options.requestTimeoutMs,
        // undici's body timeout is the longest gap between two chunks: exactly a stall detector.
        bodyTimeout: options.idleTimeoutMs ?? STREAM_IDLE_TIMEOUT_MS,
        signal: options.signal,
      });
      if (response.statusCode !== 200) {
        reason = `HTTP ${response.statusCode}: ${(await response.body.text()).slice(0, 200)}`;
      } else {
        options.onConnected();
        const parser = createParser({
          onEvent(event) {
            if (event.event !== 'message') return;
            if (event.id !== undefined) lastEventId = event.id;
            options.onMessage(JSON.parse(event.data) as StoredMessage);
          },
          onRetry(ms) {
            reconnectMs = ms;
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Buffer, { stream: true }));
        reason = 'the stream ended';
      }
    } catch (error) {
      if (options.signal.aborted) return;
      reason = describe(error);
    }
    options.onDisconnected(reason);
    options.logger.warn({ reason, last_event_id: lastEventId, reconnect_ms: reconnectMs }, 'canary: live stream lost; reconnecting');
    await sleep(reconnectMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'the stream went silent (no keep-alive)';
  return typeof code === 'string' ? `network error ${code}` : error.message;
}
