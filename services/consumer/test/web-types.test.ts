import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPOSITORY_ROOT } from '@pulse/test-support';

// The browser code needs the DOM library, which the root type check leaves out, so it is checked here on its own.
test('the browser code type-checks under strict settings with the DOM library', async () => {
  const tsc = `${REPOSITORY_ROOT}node_modules/typescript/bin/tsc`;
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'services/consumer/web/tsconfig.json', '--noEmit'], { cwd: REPOSITORY_ROOT }).catch(
    (error: { stdout: string; code: number }) => error,
  );
  assert.equal('code' in result ? result.code : 0, 0, 'stdout' in result ? result.stdout : '');
});
