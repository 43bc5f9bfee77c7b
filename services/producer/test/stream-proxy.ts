import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A streaming HTTP proxy in front of the real API (the live stream must pass
 * through as it comes, which forwarding-proxy.ts cannot do). With
 * `silenceStreams` set, live streams stay open but nothing more reaches the
 * client: the stall no error reveals, which only a read-back can catch.
 */
export async function startStreamProxy(target: string): Promise<{ url: string; silenceStreams: boolean; close(): Promise<void> }> {
  const upstream = new URL(target);
  const state = { silenceStreams: false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const isStream = req.url?.startsWith('/api/messages/stream') ?? false;
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          if (!(isStream && state.silenceStreams)) res.write(chunk);
        });
        answer.on('end', () => res.end());
        // The API died mid-answer: the client must see the connection drop too, as it would without a proxy.
        answer.on('close', () => {
          if (!res.writableEnded) res.destroy();
        });
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get silenceStreams() {
      return state.silenceStreams;
    },
    set silenceStreams(value: boolean) {
      state.silenceStreams = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
