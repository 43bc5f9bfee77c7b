import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createTestDatabase, PULSE_BIN, REPOSITORY_ROOT, type TestDatabase } from '@pulse/test-support';

const run = promisify(execFile);

async function pulse(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [PULSE_BIN, ...args], { cwd: REPOSITORY_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function exercise(env: Record<string, string>): Promise<void> {
  const created = await pulse(['tenant', 'create', 'acme', '--name', 'Acme Corp', '--json'], env);
  assert.equal(created.code, 0, created.stderr);
  const body = JSON.parse(created.stdout);
  assert.equal(body.tenant.name, 'Acme Corp');
  assert.match(body.api_key.key, /^pulse_/);
  assert.equal((await pulse(['tenant', 'create', 'acme'], env)).code, 1);
  assert.equal((await pulse(['tenant', 'create', 'Bad_Id'], env)).code, 2);
  const list = await pulse(['tenant', 'list'], env);
  assert.match(list.stdout, /^acme\s/m);
  const key = await pulse(['key', 'create', 'acme', '--scope', 'read', '--json'], env);
  assert.equal(key.code, 0, key.stderr);
  const keyId = JSON.parse(key.stdout).id as string;
  assert.deepEqual(JSON.parse(key.stdout).scopes, ['read']);
  const keys = await pulse(['key', 'list', 'acme'], env);
  assert.ok(keys.stdout.includes(keyId));
  assert.ok(!keys.stdout.includes('pulse_'), 'key list never shows keys');
  assert.equal((await pulse(['key', 'revoke', 'acme', keyId], env)).code, 0);
  assert.equal((await pulse(['key', 'revoke', 'acme', keyId], env)).code, 1);
  assert.equal((await pulse(['key', 'create', 'acme', '--scope', 'admin'], env)).code, 2);
  assert.equal((await pulse(['tenant', 'delete', 'acme'], env)).code, 0);
  assert.equal((await pulse(['tenant', 'delete', 'acme'], env)).code, 1);
}

describe('pulse CLI against PostgreSQL', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase('cli');
  });
  after(() => db.drop());

  test('migrate, then tenants and keys', async () => {
    const migrated = await pulse(['migrate'], { DATABASE_URL: db.url });
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /Applied 1 control migration/);
    assert.match((await pulse(['migrate'], { DATABASE_URL: db.url })).stdout, /up to date/);
    await exercise({ DATABASE_URL: db.url });
  });

  test('migrate fails with a non-zero code when the database cannot be reached', async () => {
    const failed = await pulse(['migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', DB_CONNECT_TIMEOUT: '500ms' });
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /ECONNREFUSED|connect/);
  });

  test('usage errors exit 2 with the usage text', async () => {
    const unknown = await pulse(['frobnicate'], {});
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /pulse tenant create/);
  });
});

describe('pulse CLI on the embedded database', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('tenants and keys live in PULSE_DATA_DIR', async () => {
    await exercise({ PULSE_DATA_DIR: dir });
    await stat(join(dir, 'db'));
  });
});
