import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chaosTest } from '../../bench/battery/chaos.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('chaos (CI size): nothing acknowledged is lost, doubled or corrupted; both deliberate faults are caught', { timeout: 300_000 }, async () => {
  const result = await runAlone(chaosTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
