import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../src/app.ts';
import { readMigrations } from '../src/db/migrator.ts';
import { call, pgDatabase, silentLogger, startTestApi, testSettings, type TestApi } from './support.ts';

describe('rate limit per tenant', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi();
  });
  after(() => api.close());

  test('over its own limit a tenant gets 429 with Retry-After; other tenants are unaffected', async () => {
    const noisy = await api.createTenant('noisy', { rate_limit_per_minute: 3 });
    const quiet = await api.createTenant('quiet');
    const statuses: number[] = [];
    let limited;
    for (let i = 0; i < 5; i += 1) {
      const answer = await call(`${api.url}/api/messages`, { key: noisy, body: { datetime: '2026-01-01T00:00:00Z' } });
      statuses.push(answer.status);
      if (answer.status === 429) limited = answer;
    }
    assert.deepEqual(statuses, [201, 201, 201, 429, 429]);
    assert.equal(limited!.body.code, 'RATE_LIMITED');
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1);
    assert.equal((await call(`${api.url}/api/messages`, { key: quiet, body: { datetime: '2026-01-01T00:00:00Z' } })).status, 201);
    const stored = await call(`${api.url}/api/tenants`, { key: noisy });
    assert.equal(stored.status, 429, 'reads count against the same limit');
    const raised = await call(`${api.url}/admin/tenants/noisy`, { method: 'PATCH', body: { rate_limit_per_minute: 100 }, headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.equal(raised.status, 200);
    assert.equal(raised.body.rate_limit_per_minute, 100);
    assert.equal((await call(`${api.url}/api/messages`, { key: noisy, body: { datetime: '2026-01-01T00:00:00Z' } })).status, 201, 'a raised limit applies');
    const bad = await call(`${api.url}/admin/tenants/noisy`, { method: 'PATCH', body: {}, headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.equal(bad.status, 400);
  });
});

describe('overload', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ settings: { INGEST_QUEUE_MAX: 5 } });
  });
  after(() => api.close());

  test('beyond INGEST_QUEUE_MAX waiting messages, requests get 503 OVERLOADED with Retry-After; what got 201 is stored', async () => {
    const key = await api.createTenant('busy');
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z', message_id: `o-${i}` } })),
    );
    const refused = answers.filter((a) => a.status === 503);
    const stored = answers.filter((a) => a.status === 201);
    assert.equal(refused.length + stored.length, 300);
    assert.ok(refused.length > 0, 'some requests were refused');
    for (const answer of refused) {
      assert.equal(answer.body.code, 'OVERLOADED');
      assert.equal(answer.headers.get('retry-after'), '1');
    }
    const count = await api.db.query<{ n: string }>('SELECT count(*) AS n FROM "tenant_busy".messages');
    assert.equal(Number(count.rows[0]!.n), stored.length);
  });
});

describe('database unreachable', () => {
  let blackhole: Server;
  let port: number;
  const sockets = new Set<Socket>();
  before(async () => {
    // A port that accepts connections and never answers: the worst case, a hung database.
    blackhole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
    port = (blackhole.address() as { port: number }).port;
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    blackhole.close();
  });

  for (const [name, target] of [
    ['refused', () => 'postgres://postgres@127.0.0.1:1/none'],
    ['hanging', () => `postgres://postgres@127.0.0.1:${port}/none`],
  ] as const) {
    test(`${name}: every request gets 503 with Retry-After within about 2 s, and readiness fails`, async () => {
      const db = pgDatabase(target());
      const { app } = await buildApp({ settings: testSettings, db, logger: silentLogger, migrations: await readMigrations() });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      try {
        const key = 'pulse_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
        const started = Date.now();
        const answers = await Promise.all([
          call(`${url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z' } }),
          call(`${url}/api/messages`, { key }),
          call(`${url}/readyz`),
        ]);
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 4000, `answered in ${elapsed} ms`);
        for (const answer of answers.slice(0, 2)) {
          assert.equal(answer.status, 503);
          assert.equal(answer.body.code, 'DATABASE_UNAVAILABLE');
          assert.equal(answer.headers.get('retry-after'), '1');
          assert.ok(!/ECONN|127\.0\.0\.1|timeout exceeded/i.test(answer.body.error), 'no internals leak');
        }
        assert.equal(answers[2]!.status, 503);
        assert.equal((await call(`${url}/healthz`)).status, 200, 'liveness does not depend on the database');
      } finally {
        await app.close();
        await db.close();
      }
    });
  }
});
