import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestApi, type TestApi } from './support.ts';

let api: TestApi;
before(async () => {
  api = await startTestApi();
});
after(() => api.close());

function rawExchange(request: Buffer): Promise<string> {
  const { port } = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
    socket.end(request);
  });
}

// Found by the hostile-input battery: requests Node's parser refuses never reached Fastify's
// error handler and were answered {"error":"Bad Request","message":"Client Error","statusCode":400}, without a code.
for (const [label, request] of [
  ['a NUL byte in a header', Buffer.from('POST /api/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\u0000\r\ncontent-length: 2\r\n\r\n{}')],
  ['a broken request line', Buffer.from('GET /\u0001 HTTP/9.9\r\n\r\n')],
  ['headers over the size limit', Buffer.from(`GET /healthz HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)],
] as const) {
  test(`${label} gets a JSON error with a catalogue code`, async () => {
    const answer = await rawExchange(request);
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    const status = Number(head.split(' ')[1]);
    assert.ok(status === 400 || status === 413, head);
    assert.match(head, /content-type: application\/json/i);
    const parsed = JSON.parse(body) as { code: string; error: string };
    assert.equal(parsed.code, status === 400 ? 'VALIDATION_FAILED' : 'PAYLOAD_TOO_LARGE');
    assert.equal(typeof parsed.error, 'string');
  });
}
