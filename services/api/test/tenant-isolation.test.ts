import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestApi, type TestApi } from './support.ts';

describe('tenant isolation over HTTP', () => {
  let api: TestApi;
  const keys: Record<string, string> = {};

  before(async () => {
    api = await startTestApi();
    for (const id of ['alpha', 'beta']) {
      keys[id] = await api.createTenant(id);
      await call(`${api.url}/api/messages`, { key: keys[id], body: { datetime: '2026-01-01T00:00:00Z', source: `${id}-secret`, message_id: `${id}-1` } });
    }
  });
  after(() => api.close());

  test('each key reads only its own tenant, whatever the request names', async () => {
    for (const [me, other] of [['alpha', 'beta'], ['beta', 'alpha']] as const) {
      const paths = ['/api/messages', '/api/tenants', '/api/stats', `/api/messages?tenant=${other}`];
      for (const path of paths) {
        const answer = await call(`${api.url}${path}`, { key: keys[me], headers: { 'x-tenant-id': other } });
        assert.ok(!JSON.stringify(answer.body).includes(`${other}-secret`), `${me} saw ${other} via ${path}`);
      }
      const own = await call(`${api.url}/api/messages`, { key: keys[me] });
      assert.deepEqual(own.body.messages.map((m: { source: string }) => m.source), [`${me}-secret`]);
      const tenant = await call(`${api.url}/api/tenants`, { key: keys[me], headers: { 'x-tenant-id': other } });
      assert.equal(tenant.body.tenantId, me);
    }
  });

  test('the same message_id in two tenants is two messages', async () => {
    const answer = await call(`${api.url}/api/messages`, { key: keys.beta, body: { datetime: '2026-01-01T00:00:00Z', source: 'alpha-secret', message_id: 'alpha-1' } });
    assert.equal(answer.status, 201);
  });

  test('a cursor only ever pages within the caller\'s own tenant', async () => {
    const own = await call(`${api.url}/api/messages`, { key: keys.beta });
    const crafted = Buffer.from('v1:999999').toString('base64url');
    const viaCursor = await call(`${api.url}/api/messages?cursor=${crafted}`, { key: keys.beta });
    assert.deepEqual(viaCursor.body.messages, own.body.messages);
  });
});
