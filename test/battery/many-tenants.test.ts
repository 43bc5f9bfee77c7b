import assert from 'node:assert/strict';
import { test } from 'node:test';
import { manyTenantsTest } from '../../bench/battery/many-tenants.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('many tenants (CI size): creation, migration, pg_dump and ingest spread across them', { timeout: 120_000 }, async () => {
  const result = await runAlone(manyTenantsTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
