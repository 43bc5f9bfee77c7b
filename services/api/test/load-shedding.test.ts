import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase } from '@pulse/test-support';
import { buildApp } from '../src/app.ts';
import { migrate, readMigrations } from '../src/db/migrator.ts';
import { call, pgDatabase, silentLogger, startTestApi, testSettings, type TestApi } from './support.ts';

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

describe('load shedding right after start-up', () => {
  test('a replica whose start-up blocked the event loop does not refuse its first requests', async () => {
    const testDb = await createTestDatabase('shed_start');
    const db = pgDatabase(testDb.url);
    try {
      const migrations = await readMigrations();
      await migrate(db, migrations);
      const { app } = await buildApp({ settings: { ...testSettings, MAX_EVENT_LOOP_DELAY: 50 }, db, logger: silentLogger, migrations });
      try {
        // Loading and compiling modules blocks the loop like this before a process listens.
        busy(800);
        await app.listen({ port: 0, host: '127.0.0.1' });
        const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
        const created = await call(`${url}/admin/tenants`, { body: { id: 'fresh' }, headers: { authorization: `Bearer ${testSettings.ADMIN_TOKEN}` } });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const first = await call(`${url}/api/messages`, { key: created.body.api_key.key, body: { datetime: '2026-01-01T00:00:00Z' } });
        assert.equal(first.status, 201, JSON.stringify(first.body));
      } finally {
        await app.close();
      }
    } finally {
      await db.close();
      await testDb.drop();
    }
  });
});
