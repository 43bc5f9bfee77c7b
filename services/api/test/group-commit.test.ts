import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withEachTenant } from '../src/db/tenant-scope.ts';
import { call, startTestApi, type TestApi } from './support.ts';

describe('group commit across tenants', () => {
  let api: TestApi;
  const keys: Record<string, string> = {};
  const tenants = Array.from({ length: 12 }, (_, i) => `gc-${i}`);

  before(async () => {
    api = await startTestApi();
    for (const id of tenants) keys[id] = await api.createTenant(id);
  });
  after(() => api.close());

  test('concurrent messages of many tenants share commits, and each lands in its own tenant', async () => {
    const sends = tenants.flatMap((id) =>
      Array.from({ length: 10 }, (_, n) => call(`${api.url}/api/messages`, { key: keys[id], body: { datetime: '2026-01-01T00:00:00Z', source: id, message_id: `${id}-${n}` } })),
    );
    const answers = await Promise.all(sends);
    assert.ok(answers.every((a) => a.status === 201), answers.map((a) => a.status).join(','));
    for (const id of tenants) {
      const listed = await call(`${api.url}/api/messages?limit=100`, { key: keys[id] });
      assert.equal(listed.body.count, 10, id);
      assert.ok(listed.body.messages.every((m: { source: string }) => m.source === id), `${id} holds only its own messages`);
    }
    const metrics = (await call(`${api.url}/metrics`)).body as string;
    const commits = Number(/^pulse_commit_messages_count (\d+)/m.exec(metrics)?.[1]);
    assert.ok(commits < 120, `120 messages took ${commits} commits`);
  });

  test("one tenant's failure does not fail the others sharing its commit", async () => {
    await api.db.exec('DROP TABLE "tenant_gc-0".messages');
    const answers = await Promise.all(
      tenants.map((id) => call(`${api.url}/api/messages`, { key: keys[id], body: { datetime: '2026-01-01T00:00:00Z', message_id: `${id}-late` } })),
    );
    assert.equal(answers[0]!.status, 500);
    assert.equal(answers[0]!.body.code, 'INTERNAL');
    assert.ok(!/relation|messages|tenant_/.test(answers[0]!.body.error), 'no internals in a 5xx body');
    for (const answer of answers.slice(1)) assert.equal(answer.status, 201);
  });

  test('one transaction over several tenants still confines each to its own schema, and opposite orders do not deadlock', async () => {
    const refs = await Promise.all(['gc-1', 'gc-2'].map(async (id) => (await api.services.tenants.get(id))!));
    await assert.rejects(
      withEachTenant(api.db, refs, (tx, tenant) => tx.query(`SELECT count(*) FROM "tenant_${tenant.id === 'gc-1' ? 'gc-2' : 'gc-1'}".messages`)),
      /permission denied/,
    );
    const own = await withEachTenant(api.db, refs, async (tx) => (await tx.query<{ n: string }>('SELECT count(*) AS n FROM messages')).rows[0]!.n);
    assert.deepEqual(own.map(Number), [11, 11]);
    const forward = refs.map((tenant) => ({ tenant, messages: [{ messageId: `f-${tenant.id}`, datetime: '2026-01-01T00:00:00Z', environment: 'prod', source: null, payload: null }] }));
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => api.services.messages.insertForTenants(i % 2 === 0 ? forward : [...forward].reverse())),
    );
    assert.equal(results.length, 10);
  });
});
