import { createServer, request as httpRequest, type Server } from 'node:http';
import { freePort } from '@pulse/test-support';

/**
 * A small load balancer for the rolling-restart test: round-robin over the
 * backends whose /readyz answered 200 at the last poll (every 100 ms), one
 * fresh connection per forwarded request, and never a retry: a request that
 * fails at a backend fails for the client, so the test sees every loss.
 */
export interface ReadyProxy {
  readonly url: string;
  /** Requests the proxy could not deliver or had no ready backend for. */
  readonly failures: { noBackend: number; backendError: number };
  setBackends(ports: readonly number[]): void;
  close(): Promise<void>;
}

export async function startReadyProxy(): Promise<ReadyProxy> {
  let backends: number[] = [];
  let ready: number[] = [];
  let turn = 0;
  const failures = { noBackend: 0, backendError: 0 };
  let polling = true;
  const poll = async (): Promise<void> => {
    while (polling) {
      const answers = await Promise.all(backends.map((port) =>
        fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(500) }).then((r) => (r.status === 200 ? port : undefined), () => undefined)));
      ready = answers.filter((p): p is number => p !== undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const poller = poll();
  const server: Server = createServer((incoming, outgoing) => {
    const port = ready.length === 0 ? undefined : ready[turn++ % ready.length];
    if (port === undefined) {
      failures.noBackend += 1;
      outgoing.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":"no ready backend","code":"PROXY_NO_BACKEND"}');
      return;
    }
    const forwarded = httpRequest({ host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, connection: 'close' }, agent: false }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', (error) => {
      failures.backendError += 1;
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'application/json' });
      outgoing.end(JSON.stringify({ error: error.message, code: 'PROXY_BACKEND_ERROR' }));
    });
    incoming.pipe(forwarded);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    failures,
    setBackends(ports) {
      backends = [...ports];
      ready = ready.filter((p) => ports.includes(p));
    },
    async close() {
      polling = false;
      await poller;
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
