import assert from 'node:assert/strict';
import { test } from 'node:test';
import { restartsTest } from '../../bench/battery/restarts.ts';
import { runAlone } from '../../bench/battery/run-one.ts';

test('graceful restarts (CI size): rolling SIGTERM behind a readiness-aware proxy, 0 failed requests, 0 lost', { timeout: 120_000 }, async () => {
  const result = await runAlone(restartsTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
