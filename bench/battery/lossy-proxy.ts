import { createServer, request as forward, type Server } from 'node:http';

export interface LossyProxy {
  readonly url: string;
  /** Answers the API gave that the client never received. */
  readonly dropped: () => number;
  close(): Promise<void>;
}

/**
 * Forwards every request to the API and, for one answer in `every`, cuts the
 * client's connection instead of passing the answer on: the message is stored
 * but the client cannot know. Retrying such a message with a new id (the
 * deliberate fault) must then show up as a duplicate, on every run.
 */
export async function startLossyProxy(target: string, every: number): Promise<LossyProxy> {
  const base = new URL(target);
  let seen = 0;
  let dropped = 0;
  const server: Server = createServer((request, response) => {
    const upstream = forward(
      { host: base.hostname, port: base.port, method: request.method, path: request.url, headers: request.headers },
      (answer) => {
        seen += 1;
        if (answer.statusCode === 201 && seen % every === 0) {
          dropped += 1;
          answer.resume();
          answer.on('end', () => request.socket.destroy());
          return;
        }
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    dropped: () => dropped,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
