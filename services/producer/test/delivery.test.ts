import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { startProxy } from './forwarding-proxy.ts';
import { FAST_RETRIES, killLeftoverProducers, countById, readAllMessages, runProducer, spooledIds, tempSpool } from './producer-process.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('producer delivery against the real API', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let tenantCount = 0;
  const tenant = async (extra: Record<string, unknown> = {}): Promise<string> => createTenant(api, `producer-${(tenantCount += 1)}`, extra);
  const env = async (apiUrl: string, key: string, extra: Record<string, string> = {}): Promise<Record<string, string>> => ({
    API_URL: apiUrl,
    API_KEY: key,
    SPOOL_DIR: await tempSpool(),
    ...FAST_RETRIES,
    ...extra,
  });

  before(async () => {
    db = await createTestDatabase('producer_delivery');
    api = await startApiProcess({ databaseUrl: db.url });
  });
  after(async () => {
    killLeftoverProducers();
    await api?.stop();
    await db?.drop();
  });

  test('once: one message per environment, with a UUIDv7 id and a sensor payload, exit 0, key never logged', async () => {
    const key = await tenant();
    const run = await runProducer(await env(api.url, key, { ENVIRONMENT: 'prod,test', PAYLOAD: 'sensor', SOURCE: 'test-producer' }));
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const stored = await readAllMessages(api.url, key);
    assert.deepEqual(stored.map((m) => m.environment).sort(), ['prod', 'test']);
    for (const message of stored) {
      assert.match(message.message_id, UUID_V7);
      assert.equal(message.source, 'test-producer');
      assert.ok(Math.abs(Date.parse(message.datetime) - Date.now()) < 60_000);
      assert.deepEqual(Object.keys(message.payload ?? {}).sort(), ['counter', 'humidity', 'temperature']);
    }
    const delivered = run.logs.filter((line) => line.msg === 'message delivered').map((line) => line.message_id).sort();
    assert.deepEqual(delivered, stored.map((m) => m.message_id).sort());
    assert.ok(!run.stdout.includes(key) && !run.stderr.includes(key), 'the key must never be logged');
  });

  test('a lost response is retried with the same id and stored once', async () => {
    const key = await tenant();
    const proxy = await startProxy(api.url, (request) => (request.index === 0 ? 'lose-response' : 'forward'));
    try {
      const run = await runProducer(await env(proxy.url, key));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(proxy.requests.length, 2);
      const [first, second] = proxy.requests;
      assert.equal(first!.headers['idempotency-key'], second!.headers['idempotency-key']);
      assert.equal(JSON.parse(first!.body).message_id, JSON.parse(second!.body).message_id);
      assert.ok(run.logs.some((line) => line.msg === 'delivery retry'));
      assert.equal(run.logs.find((line) => line.msg === 'message delivered')?.status, 'duplicate');
      const stored = await readAllMessages(api.url, key);
      assert.equal(stored.length, 1);
      assert.equal(stored[0]!.message_id, first!.headers['idempotency-key']);
    } finally {
      await proxy.close();
    }
  });

  test('a 401 is not retried: exit 3 with the API error text, the message stays spooled', async () => {
    const proxy = await startProxy(api.url, () => 'forward');
    try {
      const settings = await env(proxy.url, 'pulse_0000000000000000_not-a-real-key-at-all-000000000');
      const run = await runProducer(settings);
      assert.equal(run.code, 3);
      assert.equal(proxy.requests.length, 1);
      const refusal = run.logs.find((line) => line.code === 'UNAUTHENTICATED');
      assert.ok(refusal && typeof refusal.error === 'string' && refusal.error.length > 0, run.stdout);
      assert.ok(refusal.msg.includes(refusal.error as string));
      assert.equal((await spooledIds(settings.SPOOL_DIR!)).length, 1);
    } finally {
      await proxy.close();
    }
  });

  test('a message the API finds invalid is not retried: moved to rejected/, exit 3', async () => {
    const key = await tenant();
    const proxy = await startProxy(api.url, () => 'forward');
    try {
      const settings = await env(proxy.url, key, { PAYLOAD: JSON.stringify({ blob: 'x'.repeat(17 * 1024) }) });
      const run = await runProducer(settings);
      assert.equal(run.code, 3, run.stdout + run.stderr);
      assert.equal(proxy.requests.length, 1);
      assert.ok(run.logs.some((line) => line.msg.startsWith('message rejected') && line.status === 400));
      assert.deepEqual(await spooledIds(settings.SPOOL_DIR!), []);
      assert.equal((await readdir(join(settings.SPOOL_DIR!, 'rejected'))).length, 1);
      assert.equal((await readAllMessages(api.url, key)).length, 0);
    } finally {
      await proxy.close();
    }
  });

  test('429 with Retry-After: 1 is honoured before the retry', async () => {
    const key = await tenant();
    const proxy = await startProxy(api.url, (request) =>
      request.index === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: '{"error":"rate limit exceeded","code":"RATE_LIMITED"}' } : 'forward',
    );
    try {
      const run = await runProducer(await env(proxy.url, key, { RETRY_MAX_TIME: '3s' }));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(proxy.requests.length, 2);
      const waited = proxy.requests[1]!.at - proxy.requests[0]!.at;
      assert.ok(waited >= 1000 && waited < 5000, `waited ${waited} ms`);
      assert.equal((await readAllMessages(api.url, key)).length, 1);
    } finally {
      await proxy.close();
    }
  });

  test("the real API's per-tenant limit: a Retry-After beyond the retry budget leaves the message spooled, exit 1", async () => {
    const key = await tenant({ rate_limit_per_minute: 1 });
    const proxy = await startProxy(api.url, () => 'forward');
    try {
      const settings = await env(proxy.url, key, { ENVIRONMENT: 'prod,test' });
      const run = await runProducer(settings);
      assert.equal(run.code, 1, run.stdout + run.stderr);
      assert.equal(proxy.requests.length, 2, 'the second message is not retried inside a minute-long Retry-After');
      assert.ok(run.logs.some((line) => line.msg.includes('stays spooled') && line.reason === 'HTTP 429'));
      assert.equal((await spooledIds(settings.SPOOL_DIR!)).length, 1);
    } finally {
      await proxy.close();
    }
  });

  test('load mode, single and batch endpoints, prints its figures as a table and one JSON line', async () => {
    const key = await tenant();
    for (const [endpoint, count] of [['single', 60], ['batch', 300]] as const) {
      const run = await runProducer(await env(api.url, key, { MODE: 'load', LOAD_COUNT: String(count), LOAD_CONCURRENCY: '4', LOAD_ENDPOINT: endpoint, LOAD_BATCH_SIZE: '50' }));
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.match(run.stdout, /achieved rate\s+[0-9.]+ msg\/s/);
      assert.match(run.stdout, /latency p99\s+[0-9.]+ ms/);
      const line = run.stdout.split('\n').find((l) => l.startsWith('{"type":"pulse-producer-load"'));
      const figures = JSON.parse(line!) as { delivered: number; failed: number; requests: number; achieved_rate: number; latency_ms: { p50: number; p99: number } };
      assert.equal(figures.delivered, count);
      assert.equal(figures.failed, 0);
      assert.equal(figures.requests, endpoint === 'single' ? count : count / 50);
      assert.ok(figures.achieved_rate > 0 && figures.latency_ms.p50 > 0 && figures.latency_ms.p99 >= figures.latency_ms.p50);
    }
    const stored = await readAllMessages(api.url, key);
    assert.equal(stored.length, 360);
    assert.equal(countById(stored).size, 360);
  });

  test('start-up fails naming every missing or invalid variable, exit 2', async () => {
    const run = await runProducer({ MODE: 'sometimes', INTERVAL: 'soon', ENVIRONMENT: 'Prod', PAYLOAD: '[1]', API_URL: 'ftp://x' });
    assert.equal(run.code, 2);
    for (const name of ['MODE', 'INTERVAL', 'ENVIRONMENT', 'PAYLOAD', 'API_URL', 'API_KEY or API_KEY_FILE']) assert.ok(run.stderr.includes(name), `${name} in\n${run.stderr}`);
  });
});
