import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestApi, type TestApi } from './support.ts';

/** Writes `head`, then one more byte every 200 ms; resolves with what the server sent and when it closed. */
function dribble(port: number, head: string, trickle: string): Promise<{ ms: number; answer: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let answer = '';
    let sent = 0;
    const timer = setInterval(() => socket.write(trickle[sent++ % trickle.length]!), 200);
    socket.on('data', (chunk) => (answer += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, answer });
    });
  });
}

// Found by the slow-clients battery: the timeouts were fixed at 30 s and 10 s, and Node checks them only every 30 s.
describe('slow clients are cut by REQUEST_TIMEOUT and HEADERS_TIMEOUT', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ settings: { HEADERS_TIMEOUT: 1000, REQUEST_TIMEOUT: 2000 } });
  });
  after(() => api.close());

  test('headers sent a byte at a time are cut after HEADERS_TIMEOUT with 408', async () => {
    const { ms, answer } = await dribble(Number(new URL(api.url).port), 'GET /healthz HTTP/1.1\r\nhost: x\r\n', 'x-slow: y\r\n');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.ok(ms >= 900 && ms < 3500, `cut after ${ms} ms`);
  });

  test('a body sent a byte at a time is cut after REQUEST_TIMEOUT', async () => {
    const head = 'POST /api/messages HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n';
    const { ms } = await dribble(Number(new URL(api.url).port), head, '{"a":1}');
    assert.ok(ms >= 1900 && ms < 4500, `cut after ${ms} ms`);
  });
});
