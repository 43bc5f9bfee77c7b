import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestApi, type TestApi } from './support.ts';

describe('admin routes and keys', () => {
  let api: TestApi;
  let admin: Record<string, string>;

  before(async () => {
    api = await startTestApi({ settings: { KEY_CACHE_TTL: 60_000 } });
    admin = { authorization: `Bearer ${api.adminToken}` };
  });
  after(() => api.close());

  test('create, list, conflict, bad ids', async () => {
    const created = await call(`${api.url}/admin/tenants`, { body: { id: 'acme', name: 'Acme' }, headers: admin });
    assert.equal(created.status, 201);
    assert.deepEqual(Object.keys(created.body.tenant).sort(), ['created_at', 'id', 'name', 'rate_limit_per_minute']);
    assert.match(created.body.api_key.key, /^pulse_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(created.body.api_key.scopes, ['ingest', 'read']);
    assert.equal((await call(`${api.url}/admin/tenants`, { body: { id: 'acme' }, headers: admin })).status, 409);
    for (const id of ['Acme', '-x', 'x-', '', 'a'.repeat(41), 'a_b', 'tenant;drop', '../x']) {
      const bad = await call(`${api.url}/admin/tenants`, { body: { id }, headers: admin });
      assert.equal(bad.status, 400, id);
    }
    const list = await call(`${api.url}/admin/tenants`, { headers: admin });
    assert.deepEqual(list.body.tenants.map((t: { id: string }) => t.id), ['acme']);
  });

  test('keys are stored only as hashes', async () => {
    const created = await call(`${api.url}/admin/tenants/acme/keys`, { body: { scopes: ['read'] }, headers: admin });
    const stored = await api.db.query<{ key_hash: Buffer }>('SELECT key_hash FROM pulse.api_keys WHERE id = $1', [created.body.id]);
    assert.equal(stored.rows[0]!.key_hash.length, 32);
    const dump = JSON.stringify((await api.db.query('SELECT * FROM pulse.api_keys')).rows);
    // The secret is everything after "pulse_<16 hex>_" (it may itself contain underscores).
    assert.ok(!dump.includes(created.body.key.slice('pulse_0123456789abcdef_'.length)));
  });

  test('rotation: two keys work at once; a revoked key stops at once on this replica', async () => {
    const one = await call(`${api.url}/admin/tenants/acme/keys`, { body: {}, headers: admin });
    const two = await call(`${api.url}/admin/tenants/acme/keys`, { headers: admin, method: 'POST' });
    assert.equal(two.status, 201);
    for (const key of [one.body.key, two.body.key]) assert.equal((await call(`${api.url}/api/tenants`, { key })).status, 200);
    assert.equal((await call(`${api.url}/admin/tenants/acme/keys/${one.body.id}`, { method: 'DELETE', headers: admin })).status, 204);
    assert.equal((await call(`${api.url}/api/tenants`, { key: one.body.key })).status, 401);
    assert.equal((await call(`${api.url}/api/tenants`, { key: two.body.key })).status, 200);
    assert.equal((await call(`${api.url}/admin/tenants/acme/keys/${one.body.id}`, { method: 'DELETE', headers: admin })).status, 404);
    const keys = await call(`${api.url}/admin/tenants/acme/keys`, { headers: admin });
    assert.ok(keys.body.keys.some((k: { id: string; revoked_at: string | null }) => k.id === one.body.id && k.revoked_at));
    assert.ok(!JSON.stringify(keys.body).includes('pulse_'));
  });

  test('deleting a tenant removes its data and its keys', async () => {
    const key = (await call(`${api.url}/admin/tenants`, { body: { id: 'gone' }, headers: admin })).body.api_key.key;
    await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-01-01T00:00:00Z' } });
    assert.equal((await call(`${api.url}/admin/tenants/gone`, { method: 'DELETE', headers: admin })).status, 204);
    assert.equal((await call(`${api.url}/api/messages`, { key })).status, 401);
    assert.equal((await call(`${api.url}/admin/tenants/gone`, { method: 'DELETE', headers: admin })).status, 404);
  });

  test('admin routes need the admin token; a tenant key is not one', async () => {
    const tenantKey = (await call(`${api.url}/admin/tenants`, { body: { id: 'plain' }, headers: admin })).body.api_key.key;
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong' }, { authorization: `Bearer ${tenantKey}` }, { authorization: api.adminToken }]) {
      const answer = await call(`${api.url}/admin/tenants`, { headers });
      assert.equal(answer.status, 401);
      assert.equal(answer.body.code, 'UNAUTHENTICATED');
    }
  });
});

describe('admin routes without ADMIN_TOKEN', () => {
  let api: TestApi;
  before(async () => {
    api = await startTestApi({ settings: { ADMIN_TOKEN: undefined } });
  });
  after(() => api.close());

  test('are off (404)', async () => {
    const answer = await call(`${api.url}/admin/tenants`, { body: { id: 'x' }, headers: { authorization: 'Bearer anything' } });
    assert.equal(answer.status, 404);
    assert.equal(answer.body.code, 'NOT_FOUND');
  });
});
