import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isolationTest } from '../../bench/battery/isolation.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('tenant isolation (CI size): every route × every kind of key, SQL probes, many tenants over a pool of two; 0 leaks', { timeout: 120_000 }, async () => {
  const result = await runAlone(isolationTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
