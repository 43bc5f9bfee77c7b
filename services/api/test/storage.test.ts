import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { withTenant } from '../src/db/tenant-scope.ts';
import { isMigrated, migrate, readMigrations } from '../src/db/migrator.ts';
import { MessagesRepository, type MessageToStore } from '../src/domain/messages-repository.ts';
import { TenantsRepository, type TenantRecord } from '../src/domain/tenants-repository.ts';
import { openStorage, type StorageUnderTest } from './support.ts';

function message(id: string, overrides: Partial<MessageToStore> = {}): MessageToStore {
  return { messageId: id, datetime: '2026-01-01T00:00:00.000000Z', environment: 'prod', source: null, payload: null, ...overrides };
}

// The same storage tests on PostgreSQL and on the embedded PGlite.
for (const kind of ['postgres', 'pglite'] as const) {
  describe(`storage on ${kind}`, () => {
    let storage: StorageUnderTest;
    let tenants: TenantsRepository;
    let messages: MessagesRepository;
    let a: TenantRecord;
    let b: TenantRecord;

    before(async () => {
      storage = await openStorage(kind);
      tenants = new TenantsRepository(storage.db, await readMigrations());
      messages = new MessagesRepository(storage.db);
      a = (await tenants.create({ id: 'tenant-a', name: 'A' })).tenant;
      b = (await tenants.create({ id: 'tenant-b' })).tenant;
    });
    after(() => storage.close());

    test('migrations are recorded and running them again changes nothing', async () => {
      const again = await migrate(storage.db);
      assert.deepEqual(again, { control: [], tenants: 0 });
      assert.equal(await isMigrated(storage.db, await readMigrations()), true);
    });

    test('insertMany stores, then reports duplicates and conflicts', async () => {
      const first = await messages.insertMany(a, [message('m1'), message('m2', { payload: '{"x": [1, {"y": null}]}', source: 's' })]);
      assert.deepEqual(first.map((o) => o.status), ['stored', 'stored']);
      assert.ok(first[1]!.message.id > first[0]!.message.id);
      assert.deepEqual(first[1]!.message.payload, { x: [1, { y: null }] });
      const second = await messages.insertMany(a, [
        message('m1'),
        message('m2', { payload: '{"x":[1,{"y":null}]}', source: 's' }),
        message('m3'),
        message('m1', { environment: 'test' }),
      ].filter((m, i) => i !== 3));
      assert.deepEqual(second.map((o) => o.status), ['duplicate', 'duplicate', 'stored']);
      const conflict = await messages.insertMany(a, [message('m1', { environment: 'test' })]);
      assert.equal(conflict[0]!.status, 'conflict');
      assert.equal(conflict[0]!.message.environment, 'prod');
    });

    test('list pages by id, newest first, with filters', async () => {
      await messages.insertMany(a, [message('t1', { environment: 'test', datetime: '2026-05-01T00:00:00.000000Z' })]);
      const all = await messages.list(a, { limit: 100 });
      assert.deepEqual(all.map((m) => m.message_id), ['t1', 'm3', 'm2', 'm1']);
      const page = await messages.list(a, { limit: 2, beforeId: all[1]!.id });
      assert.deepEqual(page.map((m) => m.message_id), ['m2', 'm1']);
      assert.deepEqual((await messages.list(a, { limit: 10, environment: 'test' })).map((m) => m.message_id), ['t1']);
      assert.deepEqual((await messages.list(a, { limit: 10, since: '2026-04-01T00:00:00Z' })).map((m) => m.message_id), ['t1']);
      assert.deepEqual((await messages.list(a, { limit: 10, until: '2026-04-01T00:00:00Z' })).length, 3);
    });

    test('tenants do not see each other through the repository', async () => {
      assert.equal((await messages.list(b, { limit: 10 })).length, 0);
      const stats = await messages.statistics(b);
      assert.deepEqual(stats, { environments: {}, total: 0, lastMessage: null });
    });

    test("PostgreSQL itself refuses a tenant's transaction any other schema, by any name", async () => {
      const attempts = [
        'SELECT * FROM "tenant_tenant-a".messages',
        'INSERT INTO "tenant_tenant-a".messages (message_id, datetime, environment) VALUES (\'x\', now(), \'prod\')',
        'SELECT * FROM pulse.api_keys',
        'SELECT * FROM pulse.tenants',
        'DELETE FROM messages',
        'UPDATE messages SET environment = \'x\'',
        'DROP TABLE messages',
        'CREATE TABLE messages2 (x int)',
      ];
      for (const sql of attempts) {
        await assert.rejects(withTenant(storage.db, b, (tx) => tx.query(sql)), /permission denied|must be owner/, sql);
      }
      const own = await withTenant(storage.db, a, (tx) => tx.query<{ n: string }>('SELECT count(*) AS n FROM "tenant_tenant-a".messages'));
      assert.ok(Number(own.rows[0]!.n) > 0);
    });

    test('ids become visible in commit order under concurrent writers', async () => {
      const writers = Array.from({ length: 10 }, (_, w) =>
        messages.insertMany(b, Array.from({ length: 20 }, (_, i) => message(`c-${w}-${i}`))),
      );
      await Promise.all(writers);
      const rows = await messages.after(b, 0, 1000);
      assert.equal(rows.length, 200);
      const ids = rows.map((r) => r.id);
      assert.deepEqual(ids, [...ids].sort((x, y) => x - y));
    });

    test('keys: create, find, revoke; tenant delete removes everything', async () => {
      const key = await tenants.createKey(b.id, ['read']);
      assert.ok(key);
      assert.deepEqual((await tenants.findKey(key.id))?.scopes, ['read']);
      assert.equal(await tenants.revokeKey(b.id, key.id), true);
      assert.equal(await tenants.findKey(key.id), undefined);
      assert.equal(await tenants.revokeKey(b.id, key.id), false);
      const temp = await tenants.create({ id: 'short-lived' });
      assert.equal(await tenants.delete('short-lived'), true);
      assert.equal(await tenants.findKey(temp.apiKey.id), undefined);
      const schema = await storage.db.query("SELECT 1 FROM pg_namespace WHERE nspname = 'tenant_short-lived'");
      assert.equal(schema.rowCount, 0);
      const role = await storage.db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [temp.tenant.role]);
      assert.equal(role.rowCount, 0);
      assert.equal(await tenants.delete('short-lived'), false);
    });

    test('a tenant id is taken once', async () => {
      await assert.rejects(tenants.create({ id: 'tenant-a' }), /already exists/);
    });

    test('ids that differ only by punctuation get distinct schemas', async () => {
      const dash = await tenants.create({ id: 'a-b' });
      const plain = await tenants.create({ id: 'ab' });
      assert.notEqual(dash.tenant.schema, plain.tenant.schema);
      await messages.insertMany(dash.tenant, [message('only-in-a-b')]);
      assert.equal((await messages.list(plain.tenant, { limit: 10 })).length, 0);
    });
  });
}
