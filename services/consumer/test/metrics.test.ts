import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { loadConsumerConfig, startConsumer, type ConsumerServer } from '../src/index.ts';
import { HttpSession, readKey } from './http-session.ts';

function value(text: string, prefix: string): number {
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
}

describe('dashboard /metrics', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let dashboard: ConsumerServer;

  before(async () => {
    db = await createTestDatabase('consumer_metrics');
    api = await startApiProcess({ databaseUrl: db.url });
    await createTenant(api, 'metered');
    dashboard = await startConsumer({ config: loadConsumerConfig({ API_BASE_URL: api.url, CONSUMER_PORT: '0', CONSUMER_HOST: '127.0.0.1', LOG_LEVEL: 'silent' }) });
  });
  after(async () => {
    await dashboard?.stop();
    await api?.stop();
    await db?.drop();
  });

  test('counts requests by route and status, and the live streams it relays', async () => {
    const browser = new HttpSession(dashboard.url);
    assert.equal((await browser.get('/api/messages')).status, 401);
    await browser.signInWithKey(await readKey(api, 'metered'));
    assert.equal((await browser.get('/api/messages')).status, 200);
    const cookie = [...browser.cookies].map(([name, v]) => `${name}=${v}`).join('; ');
    const stream = await fetch(`${dashboard.url}/api/stream`, { headers: { cookie } });
    assert.equal(stream.status, 200);
    const during = await (await fetch(`${dashboard.url}/metrics`)).text();
    assert.equal(value(during, 'pulse_dashboard_streams '), 1);
    assert.equal(value(during, 'pulse_dashboard_http_requests_total{method="GET",route="/api/messages",status="401"}'), 1);
    assert.equal(value(during, 'pulse_dashboard_http_requests_total{method="GET",route="/api/messages",status="200"}'), 1);
    await stream.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await (await fetch(`${dashboard.url}/metrics`)).text();
    assert.equal(value(after, 'pulse_dashboard_streams '), 0);
    assert.ok(after.includes('process_resident_memory_bytes'));
  });
});
