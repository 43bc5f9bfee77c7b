import type { StoredMessage } from '@pulse/contract';

export interface SseClient {
  readonly messages: StoredMessage[];
  readonly status: number;
  waitFor(count: number, timeoutMs?: number): Promise<StoredMessage[]>;
  close(): void;
}

/** A minimal EventSource over fetch, so tests can set headers (API key, Last-Event-ID). */
export async function openStream(url: string, key: string, lastEventId?: number): Promise<SseClient> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: StoredMessage[] = [];
  const waiters: (() => void)[] = [];
  if (response.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const event = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const data = event.split('\n').find((line) => line.startsWith('data: '));
            if (event.includes('event: message') && data) {
              messages.push(JSON.parse(data.slice(6)) as StoredMessage);
              for (const wake of waiters.splice(0)) wake();
            }
          }
        }
      } catch {
        // aborted by close()
      }
    })();
  }
  return {
    messages,
    status: response.status,
    async waitFor(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (messages.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`stream delivered ${messages.length} of ${count} messages in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.min(left, 200));
        });
      }
      return messages.slice(0, count);
    },
    close: () => controller.abort(),
  };
}
