import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.ts';

const run = promisify(execFile);
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const PG_OS_USER = 'postgres';

/**
 * A PostgreSQL cluster of its own in a temporary folder, so a test can crash it
 * without disturbing the shared server. initdb and postgres refuse to run as
 * root, so when we are root they run as the postgres OS user.
 */
export interface PostgresInstance {
  readonly port: number;
  readonly dataDir: string;
  /** A URL for database `name` as the superuser (trust auth, loopback only). */
  url(name?: string): string;
  start(): Promise<void>;
  /** `pg_ctl stop -m immediate`: a crash, no checkpoint; recovery replays the WAL on start. */
  crash(): Promise<void>;
  stop(): Promise<void>;
  /** Terminates up to `count` client backends of `database`, as a DBA or an OOM kill would. */
  terminateBackends(database: string, count: number): Promise<number>;
  destroy(): Promise<void>;
}

function asPostgres(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  const isRoot = process.getuid?.() === 0;
  const [file, argv] = isRoot ? ['runuser', ['-u', PG_OS_USER, '--', join(PG_BIN, command), ...args]] : [join(PG_BIN, command), args];
  return run(file, argv, { timeout: 60_000 });
}

export async function createPostgresInstance(label: string, settings: Record<string, string> = {}): Promise<PostgresInstance> {
  const root = mkdtempSync(join(tmpdir(), `pulse-pg-${label}-`));
  const dataDir = join(root, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', PG_OS_USER]);
    const { stdout: gid } = await run('id', ['-g', PG_OS_USER]);
    chownSync(root, Number(stdout.trim()), Number(gid.trim()));
  }
  await asPostgres('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-instructions', '-E', 'UTF8', '--locale=C.UTF-8']);
  const port = await freePort();
  const options = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${root}'`,
    fsync: 'on',
    max_connections: '300',
    shared_buffers: '64MB',
    ...settings,
  };
  const postgresOptions = Object.entries(options).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  const ctl = (args: string[]) => asPostgres('pg_ctl', ['-D', dataDir, ...args]);
  const url = (name = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${name}`;

  const instance: PostgresInstance = {
    port,
    dataDir,
    url,
    async start() {
      await ctl(['start', '-w', '-t', '60', '-l', join(root, 'server.log'), '-o', postgresOptions]);
    },
    async crash() {
      await ctl(['stop', '-m', 'immediate', '-w']);
    },
    async stop() {
      await ctl(['stop', '-m', 'fast', '-w']).catch(() => undefined);
    },
    async terminateBackends(database, count) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        const result = await client.query(
          `SELECT pg_terminate_backend(pid) FROM (
             SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'
             ORDER BY random() LIMIT $2) victims`,
          [database, count],
        );
        return result.rowCount ?? 0;
      } finally {
        await client.end();
      }
    },
    async destroy() {
      await instance.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  await instance.start();
  return instance;
}
