import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestApi, type TestApi } from './support.ts';

/** Keeps this process's event loop busy, as a saturated replica's would be. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // spin
  }
}

describe('load shedding on event-loop delay', () => {
  let api: TestApi;
  let key: string;
  before(async () => {
    api = await startTestApi({ settings: { MAX_EVENT_LOOP_DELAY: 50 } });
    key = await api.createTenant('shed');
  });
  after(() => api.close());

  test('a lagging replica answers 503 OVERLOADED with Retry-After, while probes and metrics still answer', async () => {
    let shed;
    for (let attempt = 0; attempt < 5 && !shed; attempt += 1) {
      busy(1200);
      const [message, live, ready, metrics] = await Promise.all([
        call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z', message_id: `shed-${attempt}` } }),
        call(`${api.url}/healthz`),
        call(`${api.url}/readyz`),
        call(`${api.url}/metrics`),
      ]);
      assert.equal(live.status, 200);
      assert.equal(ready.status, 200);
      assert.equal(metrics.status, 200);
      if (message.status === 503) shed = message;
      else assert.equal(message.status, 201);
    }
    assert.ok(shed, 'a request was shed');
    assert.equal(shed.body.code, 'OVERLOADED');
    assert.equal(shed.headers.get('retry-after'), '1');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const calm = await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z', message_id: 'calm' } });
    assert.equal(calm.status, 201, 'service resumes once the loop is calm');
  });
});
