import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface BenchDatabase {
  readonly name: string;
  readonly url: string;
  /** A short-lived connection as the server user (the owner of every tenant table). */
  withClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T>;
  drop(): Promise<void>;
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withConnection<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'pulse-bench' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * A database of the bench's own, dropped afterwards with the tenant roles the
 * API created in it (roles are cluster-wide and outlive the database).
 */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `pulse_bench_${randomBytes(5).toString('hex')}`;
  await withConnection(serverUrl, (client) => client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`));
  const url = databaseUrl(serverUrl, name);
  return {
    name,
    url,
    withClient: (work) => withConnection(url, work),
    async drop() {
      const prefix = await withConnection(url, async (client) => {
        const result = await client.query<{ value: string }>("SELECT value FROM pulse.settings WHERE key = 'role_prefix'");
        return result.rows[0]?.value;
      }).catch(() => undefined);
      await withConnection(serverUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        if (prefix === undefined || !/^pulse_[0-9a-f]{8}$/.test(prefix)) return;
        const roles = await client.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [`${prefix}_`]);
        for (const { rolname } of roles.rows) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
      });
    },
  };
}
