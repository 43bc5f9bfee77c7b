import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: number;
}

/**
 * What the proxy does with one request: pass it on; pass it on and then cut
 * the connection before the answer (a lost response); answer by itself; or
 * pass it on and hold the API's answer forever, calling `held` once the API
 * has answered.
 */
export type Plan = 'forward' | 'lose-response' | { status: number; headers?: Record<string, string>; body: string } | { held: () => void };

const PASSED_HEADERS = ['content-type', 'idempotent-replayed', 'retry-after'];

/** A tiny HTTP proxy in front of the real API, to make the network misbehave on purpose. */
export async function startProxy(target: string, plan: (request: ProxiedRequest) => Plan, port = 0): Promise<{ url: string; requests: ProxiedRequest[]; close(): Promise<void> }> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request: ProxiedRequest = { index: requests.length, method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      requests.push(request);
      const action = plan(request);
      if (typeof action === 'object' && 'status' in action) {
        res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers }).end(action.body);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
      }
      void fetch(`${target}${request.path}`, { method: request.method, headers, body: request.method === 'GET' ? undefined : request.body }).then(
        async (answer) => {
          const text = await answer.text();
          if (action === 'lose-response') {
            req.socket.destroy();
          } else if (typeof action === 'object') {
            action.held();
          } else {
            const passed = Object.fromEntries(PASSED_HEADERS.flatMap((name) => (answer.headers.has(name) ? [[name, answer.headers.get(name)!]] : [])));
            res.writeHead(answer.status, passed).end(text);
          }
        },
        () => req.socket.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
