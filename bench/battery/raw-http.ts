import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawRequest {
  method: string;
  path: string;
  headers: readonly (readonly [string, string | Buffer])[];
  body?: Buffer;
  /** Content-Length to declare; defaults to the body's length. */
  contentLength?: number;
}

function decodeChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(raw.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/**
 * One request written byte for byte on its own connection, so headers and
 * bodies no HTTP library would send (raw bytes, lies in Content-Length) reach
 * the server. Resolves with status 0 when the server closes without answering.
 */
export function rawHttp(port: number, request: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms to ${request.method} ${request.path}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks);
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0) return resolve({ status: 0, headers: {}, body: raw.toString('utf8') });
      const [statusLine = '', ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const rest = raw.subarray(split + 4);
      const body = headers['transfer-encoding'] === 'chunked' ? decodeChunked(rest) : rest;
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: body.toString('utf8') });
    });
    const body = request.body ?? Buffer.alloc(0);
    const head: Buffer[] = [Buffer.from(`${request.method} ${request.path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n`, 'latin1')];
    for (const [name, value] of request.headers) head.push(Buffer.from(`${name}: `, 'latin1'), Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'), Buffer.from('\r\n'));
    if (request.body !== undefined || request.contentLength !== undefined) head.push(Buffer.from(`content-length: ${request.contentLength ?? body.length}\r\n`));
    head.push(Buffer.from('\r\n'));
    socket.write(Buffer.concat([...head, body]));
  });
}
