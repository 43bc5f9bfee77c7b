import assert from 'node:assert/strict';
import { test } from 'node:test';
import { outageTest } from '../../bench/battery/outage.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('database outage (CI size): 503 with Retry-After within 2 s, readiness fails, recovery by itself, the producer delivers exactly once', { timeout: 180_000 }, async () => {
  const result = await runAlone(outageTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
