import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';

export interface EarlyAckProxy {
  readonly url: string;
  /** Requests whose forwarding failed after the client had been told 201. */
  readonly forwardFailures: () => number;
  close(): Promise<void>;
}

/**
 * The deliberate "answer before commit" fault, kept out of the API: this proxy
 * tells the client 201 as soon as the body has arrived, then forwards it once
 * and forgets it. Whatever the API does not store (killed, database down) is
 * lost although the client was told it was stored.
 */
export async function startEarlyAckProxy(target: string): Promise<EarlyAckProxy> {
  let failures = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let messageId: unknown;
      try {
        messageId = (JSON.parse(body.toString('utf8')) as { message_id?: unknown }).message_id;
      } catch {
        messageId = null;
      }
      response.writeHead(201, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Message stored successfully', data: { id: randomUUID(), message_id: messageId } }));
      fetch(`${target}${request.url ?? '/'}`, {
        method: request.method ?? 'POST',
        headers: { authorization: String(request.headers.authorization ?? ''), 'content-type': String(request.headers['content-type'] ?? 'application/json') },
        body,
        signal: AbortSignal.timeout(10_000),
      }).then(
        async (answer) => {
          await answer.arrayBuffer();
          if (answer.status >= 300) failures += 1;
        },
        () => (failures += 1),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('proxy has no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    forwardFailures: () => failures,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
