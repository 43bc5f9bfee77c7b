import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestDatabase, startApiProcess, type TestDatabase } from '@pulse/test-support';
import pg from 'pg';
import { call } from './support.ts';

describe('the API as a process', () => {
  let testDb: TestDatabase;
  before(async () => {
    testDb = await createTestDatabase('process');
  });
  after(() => testDb.drop());

  test('two instances migrating one fresh database at once both start, and each migration runs once', async () => {
    const [one, two] = await Promise.all([startApiProcess({ databaseUrl: testDb.url }), startApiProcess({ databaseUrl: testDb.url })]);
    try {
      for (const api of [one, two]) assert.equal((await call(`${api.url}/readyz`)).status, 200);
      const client = new pg.Client({ connectionString: testDb.url });
      await client.connect();
      const rows = await client.query('SELECT version, count(*) FROM pulse.migrations GROUP BY version');
      await client.end();
      assert.ok(rows.rows.length >= 1);
      for (const row of rows.rows) assert.equal(Number(row.count), 1);
    } finally {
      await Promise.all([one.stop(), two.stop()]);
    }
  });

  test('SIGTERM: readiness fails first, requests in flight finish, the process exits 0 within 10 s', async () => {
    const api = await startApiProcess({ databaseUrl: testDb.url, env: { SHUTDOWN_DELAY: '600ms' } });
    const create = await call(`${api.url}/admin/tenants`, { body: { id: 'drain' }, headers: { authorization: `Bearer ${api.adminToken}` } });
    const key = create.body.api_key.key as string;
    const inFlight = Array.from({ length: 30 }, (_, i) => call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z', message_id: `d-${i}` } }));
    const started = Date.now();
    api.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const ready = await call(`${api.url}/readyz`);
    assert.equal(ready.status, 503, 'readiness fails while draining');
    const answers = await Promise.all(inFlight);
    for (const answer of answers) assert.equal(answer.status, 201);
    const code = await api.stop();
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 10_000);
    assert.match(api.output(), /shutting down/);
    assert.ok(!api.output().includes(key.slice('pulse_0123456789abcdef_'.length)), 'the key never reaches the logs');
    assert.ok(!api.output().includes(api.adminToken), 'the admin token never reaches the logs');
  });

  test('start-up fails naming every invalid variable', async () => {
    await assert.rejects(
      startApiProcess({ databaseUrl: 'not-a-url', env: { PORT: 'abc', DB_POOL_MAX: '0', ADMIN_TOKEN: 'short' } }),
      (error: Error) => ['PORT', 'DATABASE_URL', 'DB_POOL_MAX', 'ADMIN_TOKEN'].every((name) => error.message.includes(name)) && !error.message.includes('"short"'),
    );
  });
});
