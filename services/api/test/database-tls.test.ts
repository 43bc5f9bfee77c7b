import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createPostgresInstance, PULSE_BIN, REPOSITORY_ROOT, startApiProcess, type PostgresInstance } from '@pulse/test-support';

const run = promisify(execFile);

/** A CA, a server certificate it signs for 127.0.0.1, and an unrelated CA. */
async function makeCertificates(dir: string): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  for (const ca of ['ca', 'other-ca']) {
    await ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`);
  }
  writeFileSync(join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  await ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.cnf', '-out', 'server.crt');
}

async function migrate(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    await run(process.execPath, [PULSE_BIN, 'migrate'], { cwd: REPOSITORY_ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    return { code: 0, stderr: '' };
  } catch (error) {
    const e = error as { code: number; stderr: string };
    return { code: e.code, stderr: e.stderr };
  }
}

describe('DB_SSL=require verifies the server certificate', () => {
  let dir: string;
  let server: PostgresInstance;
  let base: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-tls-'));
    await makeCertificates(dir);
    // PostgreSQL wants its key private to the user it runs as.
    if (process.getuid?.() === 0) {
      const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
      chownSync(dir, uid, -1);
      for (const file of ['server.key', 'server.crt']) chownSync(join(dir, file), uid, -1);
    }
    chmodSync(join(dir, 'server.key'), 0o600);
    server = await createPostgresInstance('tls', { ssl: 'on', ssl_cert_file: `'${join(dir, 'server.crt')}'`, ssl_key_file: `'${join(dir, 'server.key')}'` });
    base = { DB_HOST: '127.0.0.1', DB_PORT: String(server.port), DB_NAME: 'postgres', DB_USER: 'postgres', DB_SSL: 'require' };
  });
  after(async () => {
    await server?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test('with the CA that signed the server certificate, the API connects over TLS', async () => {
    const migrated = await migrate({ ...base, DB_CA_CERT_PATH: join(dir, 'ca.crt') });
    assert.equal(migrated.code, 0, migrated.stderr);
    const api = await startApiProcess({ databaseUrl: '', env: { ...base, DATABASE_URL: '', DB_CA_CERT_PATH: join(dir, 'ca.crt') } });
    try {
      assert.equal((await fetch(`${api.url}/readyz`)).status, 200);
      const client = new pg.Client({ connectionString: server.url() });
      await client.connect();
      const sessions = await client.query<{ ssl: boolean }>(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'pulse-api'",
      );
      await client.end();
      assert.ok(sessions.rows.length > 0);
      assert.ok(sessions.rows.every((row) => row.ssl), 'every API connection is encrypted');
    } finally {
      await api.stop();
    }
  });

  test('a certificate no trusted CA signed is refused', async () => {
    for (const env of [{ ...base, DB_CA_CERT_PATH: join(dir, 'other-ca.crt') }, base]) {
      const refused = await migrate({ ...env, DB_CONNECT_TIMEOUT: '2s' });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /certificate/i);
    }
  });
});
