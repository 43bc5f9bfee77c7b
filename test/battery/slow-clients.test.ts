import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAlone } from '../../bench/battery/run-one.ts';
import { slowClientsTest } from '../../bench/battery/slow-clients.ts';

test('slow clients (CI size): slow headers and bodies are cut by the timeouts while normal traffic succeeds', { timeout: 120_000 }, async () => {
  const result = await runAlone(slowClientsTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
