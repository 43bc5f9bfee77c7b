import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overloadTest } from '../../bench/battery/overload.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('overload and fairness (CI size): the excess is refused with Retry-After, latency recovers, quiet tenants keep succeeding', { timeout: 120_000 }, async () => {
  const result = await runAlone(overloadTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
