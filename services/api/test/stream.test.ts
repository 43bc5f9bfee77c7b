import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStream } from './sse-client.ts';
import { call, startTestApi, type TestApi } from './support.ts';

describe('live stream (SSE)', () => {
  let first: TestApi;
  let second: TestApi;
  let key: string;
  let otherKey: string;

  before(async () => {
    first = await startTestApi();
    second = await startTestApi({ databaseUrl: first.testDb!.url });
    key = await first.createTenant('streamer');
    otherKey = await first.createTenant('bystander');
  });
  after(async () => {
    await second.close();
    await first.close();
  });

  const post = (api: TestApi, apiKey: string, n: number, environment = 'prod') =>
    call(`${api.url}/api/messages`, { key: apiKey, body: { datetime: '2026-01-01T00:00:00Z', environment, message_id: `m-${environment}-${n}` } });

  test('delivers each committed message once, also from another replica, and nothing of other tenants', async () => {
    const onSecond = await openStream(`${second.url}/api/messages/stream`, key);
    assert.equal(onSecond.status, 200);
    await post(first, otherKey, 0);
    for (let i = 1; i <= 5; i += 1) await post(first, key, i);
    const got = await onSecond.waitFor(5);
    assert.deepEqual(got.map((m) => m.message_id), ['m-prod-1', 'm-prod-2', 'm-prod-3', 'm-prod-4', 'm-prod-5']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(onSecond.messages.length, 5, 'no duplicates and nothing from the other tenant');
    onSecond.close();
  });

  test('resumes after Last-Event-ID without gaps or repeats', async () => {
    const before = await call(`${first.url}/api/messages?limit=1`, { key });
    const lastSeen = before.body.messages[0].id as number;
    for (let i = 6; i <= 8; i += 1) await post(first, key, i);
    const resumed = await openStream(`${first.url}/api/messages/stream`, key, lastSeen);
    const caughtUp = await resumed.waitFor(3);
    assert.deepEqual(caughtUp.map((m) => m.message_id), ['m-prod-6', 'm-prod-7', 'm-prod-8']);
    await post(second, key, 9);
    const live = await resumed.waitFor(4);
    assert.equal(live[3]!.message_id, 'm-prod-9');
    resumed.close();
  });

  test('concurrent writers on two replicas: a resumed stream sees every message exactly once', async () => {
    const start = await call(`${first.url}/api/messages?limit=1`, { key });
    const from = start.body.messages[0].id as number;
    const stream = await openStream(`${first.url}/api/messages/stream`, key, from);
    const writes = Array.from({ length: 60 }, (_, i) => post(i % 2 === 0 ? first : second, key, 100 + i, 'load'));
    await Promise.all(writes);
    const got = await stream.waitFor(60, 10_000);
    assert.equal(new Set(got.map((m) => m.message_id)).size, 60);
    const ids = got.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b));
    stream.close();
  });

  test('filters by environment', async () => {
    const stream = await openStream(`${first.url}/api/messages/stream?environment=test`, key);
    await post(first, key, 200, 'prod');
    await post(first, key, 201, 'test');
    const got = await stream.waitFor(1);
    assert.equal(got[0]!.message_id, 'm-test-201');
    stream.close();
  });

  test('needs the read scope and a valid Last-Event-ID', async () => {
    const ingestOnly = await call(`${first.url}/admin/tenants/streamer/keys`, { body: { scopes: ['ingest'] }, headers: { authorization: `Bearer ${first.adminToken}` } });
    const denied = await call(`${first.url}/api/messages/stream`, { key: ingestOnly.body.key });
    assert.equal(denied.status, 403);
    const bad = await call(`${first.url}/api/messages/stream`, { key, headers: { 'last-event-id': 'abc' } });
    assert.equal(bad.status, 400);
    assert.equal((await call(`${first.url}/api/messages/stream`)).status, 401);
  });
});
