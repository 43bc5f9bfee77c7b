import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hostileInputTest } from '../../bench/battery/hostile-input.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('hostile input (CI size): no 5xx, no crash, every rejection a catalogue error, nothing written on rejection, nothing coerced', { timeout: 180_000 }, async () => {
  const result = await runAlone(hostileInputTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
