import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAlone } from '../../bench/battery/run-one.ts';
import { secretsTest } from '../../bench/battery/secrets.ts';

test('secrets (CI size): no API key, admin token or database password in clear in the logs or the database', { timeout: 120_000 }, async () => {
  const result = await runAlone(secretsTest, 'ci');
  assert.deepEqual(result.checks.filter((c) => !c.ok), [], JSON.stringify(result.figures));
});
