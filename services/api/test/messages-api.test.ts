import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ERROR_CATALOGUE } from '@pulse/contract';
import { call, startTestApi, type TestApi } from './support.ts';

describe('messages API over HTTP on PostgreSQL', () => {
  let api: TestApi;
  let key: string;

  before(async () => {
    api = await startTestApi();
    key = await api.createTenant('acme', { name: 'Acme' });
  });
  after(() => api.close());

  test('stores a message in the original shape and reads it back', async () => {
    const created = await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-31 12:00:00', environment: 'test' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.message, 'Message stored successfully');
    assert.deepEqual(Object.keys(created.body.data).sort(), ['created_at', 'datetime', 'environment', 'id', 'message_id', 'payload', 'source']);
    assert.equal(created.body.data.datetime, '2026-01-31T12:00:00.000Z');
    assert.equal(created.body.data.environment, 'test');
    assert.match(created.body.data.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3,6})?Z$/);
    const listed = await call(`${api.url}/api/messages?environment=test`, { key });
    assert.equal(listed.status, 200);
    assert.equal(listed.body.count, 1);
    assert.deepEqual(listed.body.messages[0], created.body.data);
  });

  test('environment defaults to prod; offsets are converted to UTC; microseconds survive', async () => {
    const created = await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-31T13:00:00.123456+01:00' } });
    assert.equal(created.status, 201);
    assert.equal(created.body.data.environment, 'prod');
    assert.equal(created.body.data.datetime, '2026-01-31T12:00:00.123456Z');
  });

  test('payload and source are stored and returned unchanged', async () => {
    const payload = { temperature: 21.5, tags: ['a', 'b'], nested: { ok: true, none: null }, text: '<script>alert(1)</script> ü 😀' };
    const created = await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-02-01T00:00:00Z', source: 'sensor-7', payload } });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.data.payload, payload);
    assert.equal(created.body.data.source, 'sensor-7');
  });

  test('a retry with the same Idempotency-Key stores nothing new and replays the original', async () => {
    const body = { datetime: '2026-02-02T00:00:00Z', environment: 'prod' };
    const headers = { 'idempotency-key': 'retry-1' };
    const first = await call(`${api.url}/api/messages`, { key, body, headers });
    const second = await call(`${api.url}/api/messages`, { key, body, headers });
    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.deepEqual(second.body.data, first.body.data);
    const viaField = await call(`${api.url}/api/messages`, { key, body: { ...body, message_id: 'retry-1' } });
    assert.equal(viaField.status, 200);
    assert.equal(viaField.body.data.id, first.body.data.id);
  });

  test('the same id with different content is 422 and changes nothing', async () => {
    await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-02-03T00:00:00Z', message_id: 'conflict-1' } });
    const clash = await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-02-04T00:00:00Z', message_id: 'conflict-1' } });
    assert.equal(clash.status, 422);
    assert.equal(clash.body.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.equal(clash.body.details.stored.datetime, '2026-02-03T00:00:00.000Z');
  });

  test('concurrent requests with one id store exactly one row', async () => {
    const body = { datetime: '2026-02-05T00:00:00Z', message_id: 'race-1' };
    const answers = await Promise.all(Array.from({ length: 20 }, () => call(`${api.url}/api/messages`, { key, body })));
    const statuses = answers.map((a) => a.status);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
    for (const s of statuses) assert.ok([200, 201, 409].includes(s), `unexpected ${s}`);
    for (const a of answers.filter((x) => x.status === 409)) {
      assert.equal(a.body.code, 'IDEMPOTENCY_IN_FLIGHT');
      assert.equal(a.headers.get('retry-after'), '1');
    }
    const stored = await api.db.query<{ n: string }>('SELECT count(*) AS n FROM "tenant_acme".messages WHERE message_id = $1', ['race-1']);
    assert.equal(Number(stored.rows[0]!.n), 1);
  });

  test('a batch stores the valid messages and reports each fate', async () => {
    const messages = [
      { datetime: '2026-03-01T00:00:00Z', message_id: 'b-1' },
      { datetime: 'yesterday', message_id: 'b-2' },
      { datetime: '2026-03-01T00:00:02Z', message_id: 'b-1' },
      { datetime: '2026-03-01T00:00:00Z', message_id: 'b-1' },
      { datetime: '2026-02-02T00:00:00Z', environment: 'prod', message_id: 'retry-1' },
      { datetime: '2026-03-01T00:00:03Z', environment: 'Not Valid' },
      { datetime: '2026-03-01T00:00:04Z' },
      'not an object',
    ];
    const answer = await call(`${api.url}/api/messages/batch`, { key, body: { messages } });
    assert.equal(answer.status, 200);
    const fates = answer.body.results.map((r: { status: string; code?: string }) => `${r.status}${r.code ? `:${r.code}` : ''}`);
    assert.deepEqual(fates, [
      'stored',
      'invalid:VALIDATION_FAILED',
      'invalid:IDEMPOTENCY_KEY_REUSED',
      'duplicate',
      'duplicate',
      'invalid:VALIDATION_FAILED',
      'stored',
      'invalid:VALIDATION_FAILED',
    ]);
    assert.deepEqual([answer.body.stored, answer.body.duplicates, answer.body.invalid], [2, 2, 4]);
    assert.match(answer.body.results[1].error, /datetime/);
    assert.match(answer.body.results[5].error, /environment/);
    const again = await call(`${api.url}/api/messages/batch`, { key, body: { messages: [messages[0]] } });
    assert.equal(again.body.results[0].status, 'duplicate');
    assert.equal(again.body.results[0].id, answer.body.results[0].id);
  });

  test('a malformed batch envelope or more than 1,000 messages is 400', async () => {
    for (const body of [{}, { messages: [] }, { messages: 'x' }, { messages: [], extra: 1 }, { messages: Array.from({ length: 1001 }, () => ({ datetime: '2026-01-01T00:00:00Z' })) }]) {
      const answer = await call(`${api.url}/api/messages/batch`, { key, body });
      assert.equal(answer.status, 400, JSON.stringify(body).slice(0, 80));
      assert.equal(answer.body.code, 'VALIDATION_FAILED');
    }
  });

  const invalid: [string, unknown, RegExp][] = [
    ['missing datetime', { environment: 'prod' }, /datetime is required/],
    ['unparseable datetime', { datetime: 'not a date' }, /datetime/],
    ['impossible date', { datetime: '2026-02-30T00:00:00Z' }, /datetime/],
    ['datetime without zone but with T is read as UTC, bad hour is not', { datetime: '2026-01-01T25:00:00Z' }, /datetime/],
    ['datetime as a number', { datetime: 1700000000 }, /datetime/],
    ['environment too long', { datetime: '2026-01-01T00:00:00Z', environment: 'x'.repeat(33) }, /environment/],
    ['environment with capitals', { datetime: '2026-01-01T00:00:00Z', environment: 'Prod' }, /environment/],
    ['environment as a number is not coerced', { datetime: '2026-01-01T00:00:00Z', environment: 5 }, /environment/],
    ['unknown field', { datetime: '2026-01-01T00:00:00Z', colour: 'red' }, /colour is not a known field/],
    ['payload not an object', { datetime: '2026-01-01T00:00:00Z', payload: [1, 2] }, /payload/],
    ['payload too large', { datetime: '2026-01-01T00:00:00Z', payload: { big: 'x'.repeat(17 * 1024) } }, /payload is larger than 16384 bytes/],
    ['payload with NUL', { datetime: '2026-01-01T00:00:00Z', payload: { a: 'x\u0000y' } }, /NUL/],
    ['payload with a lone surrogate', { datetime: '2026-01-01T00:00:00Z', payload: { a: '\ud800' } }, /surrogate/],
    ['payload nested too deep', { datetime: '2026-01-01T00:00:00Z', payload: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }, /deeper/],
    ['message_id too long', { datetime: '2026-01-01T00:00:00Z', message_id: 'x'.repeat(129) }, /message_id/],
    ['source empty', { datetime: '2026-01-01T00:00:00Z', source: '' }, /source/],
    ['body is an array', [{ datetime: '2026-01-01T00:00:00Z' }], /body/],
  ];
  for (const [name, body, pattern] of invalid) {
    test(`400 names the field: ${name}`, async () => {
      const answer = await call(`${api.url}/api/messages`, { key, body });
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.code, 'VALIDATION_FAILED');
      assert.match(answer.body.error, pattern);
    });
  }

  test('Idempotency-Key and message_id that disagree are 400', async () => {
    const answer = await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z', message_id: 'a' }, headers: { 'idempotency-key': 'b' } });
    assert.equal(answer.status, 400);
    assert.match(answer.body.error, /Idempotency-Key/);
  });

  test('broken JSON is 400 INVALID_JSON; prototype pollution is refused', async () => {
    for (const raw of ['{"datetime": ', '{"__proto__": {"x": 1}, "datetime": "2026-01-01T00:00:00Z"}', '{"constructor": {"prototype": {"x": 1}}}']) {
      const answer = await call(`${api.url}/api/messages`, { key, rawBody: raw, headers: { 'content-type': 'application/json' } });
      assert.equal(answer.status, 400, raw);
      assert.ok(['INVALID_JSON', 'VALIDATION_FAILED'].includes(answer.body.code), answer.body.code);
    }
  });

  test('a wrong content type is 415; an empty body is 400', async () => {
    const text = await call(`${api.url}/api/messages`, { key, rawBody: 'datetime=now', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 415);
    assert.equal(text.body.code, 'UNSUPPORTED_MEDIA_TYPE');
    const empty = await call(`${api.url}/api/messages`, { key, method: 'POST' });
    assert.equal(empty.status, 400);
  });

  test('a body over 1 MiB is 413', async () => {
    const answer = await call(`${api.url}/api/messages`, { key, rawBody: JSON.stringify({ datetime: '2026-01-01T00:00:00Z', payload: { x: 'y'.repeat(1100 * 1024) } }), headers: { 'content-type': 'application/json' } });
    assert.equal(answer.status, 413);
    assert.equal(answer.body.code, 'PAYLOAD_TOO_LARGE');
  });

  test('401 without a key or with a bad key, 403 with the wrong scope', async () => {
    const none = await call(`${api.url}/api/messages`);
    assert.equal(none.status, 401);
    assert.equal(none.body.code, 'UNAUTHENTICATED');
    for (const bad of ['nonsense', 'pulse_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `${key.slice(0, -1)}x`]) {
      const answer = await call(`${api.url}/api/messages`, { key: bad });
      assert.equal(answer.status, 401, bad);
    }
    const readKey = await call(`${api.url}/admin/tenants/acme/keys`, { method: 'POST', body: { scopes: ['read'] }, headers: { authorization: `Bearer ${api.adminToken}` } });
    const forbidden = await call(`${api.url}/api/messages`, { key: readKey.body.key, body: { datetime: '2026-01-01T00:00:00Z' } });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.code, 'FORBIDDEN');
    const viaHeader = await call(`${api.url}/api/messages?limit=1`, { headers: { 'x-api-key': readKey.body.key } });
    assert.equal(viaHeader.status, 200);
  });

  test('unknown routes are 404 JSON', async () => {
    const answer = await call(`${api.url}/api/nothing-here`, { key });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.code, 'NOT_FOUND');
  });

  test('query parameters are validated', async () => {
    for (const query of ['limit=abc', 'limit=0', 'limit=1001', 'environment=BAD', 'since=yesterday', 'cursor=%%%', 'cursor=abc', 'unknown=1']) {
      const answer = await call(`${api.url}/api/messages?${query}`, { key });
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.code, 'VALIDATION_FAILED', query);
    }
  });

  test('since and until filter by the message datetime', async () => {
    const answer = await call(`${api.url}/api/messages?since=2026-03-01T00:00:00Z&until=2026-03-01T00:00:04Z`, { key });
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.messages.map((m: { datetime: string }) => m.datetime), ['2026-03-01T00:00:00.000Z']);
  });

  test('GET /api/tenants gives numbers, per environment, and the last message', async () => {
    const answer = await call(`${api.url}/api/tenants`, { key });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.tenantId, 'acme');
    const s = answer.body.statistics;
    assert.equal(typeof s.total_messages, 'number');
    assert.equal(s.total_messages, s.prod_messages + s.test_messages);
    assert.equal(s.test_messages, 1);
    assert.match(s.last_message, /Z$/);
  });

  test('GET /api/stats counts per bucket and environment', async () => {
    const answer = await call(`${api.url}/api/stats?window=1h&bucket=1m`, { key });
    assert.equal(answer.status, 200);
    assert.equal(answer.body.bucket_seconds, 60);
    const total = answer.body.buckets.reduce((n: number, b: { count: number }) => n + b.count, 0);
    const stats = await call(`${api.url}/api/tenants`, { key });
    assert.equal(total, stats.body.statistics.total_messages);
    for (const query of ['window=0s', 'bucket=1s&window=30d', 'window=1y', 'bucket=2h&window=1h']) {
      assert.equal((await call(`${api.url}/api/stats?${query}`, { key })).status, 400, query);
    }
  });

  test('health endpoints', async () => {
    const health = await call(`${api.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(Object.keys(health.body).sort(), ['status', 'timestamp']);
    assert.equal(health.body.status, 'healthy');
    assert.equal((await call(`${api.url}/healthz`)).status, 200);
    const ready = await call(`${api.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.migrated, true);
  });

  test('every error body carries a code from the catalogue; responses carry security headers', async () => {
    const answer = await call(`${api.url}/api/messages`, { key: 'x' });
    assert.ok(Object.hasOwn(ERROR_CATALOGUE, answer.body.code));
    assert.equal(answer.headers.get('x-content-type-options'), 'nosniff');
    assert.ok(answer.headers.get('x-request-id'));
    assert.equal(answer.headers.get('access-control-allow-origin'), null);
  });

  test('/openapi.json documents the routes', async () => {
    const answer = await call(`${api.url}/openapi.json`);
    assert.equal(answer.status, 200);
    assert.equal(answer.body.openapi, '3.1.0');
    for (const path of ['/api/messages', '/api/messages/batch', '/api/messages/stream', '/api/tenants', '/api/stats', '/admin/tenants']) {
      assert.ok(answer.body.paths[path], path);
    }
  });
});
