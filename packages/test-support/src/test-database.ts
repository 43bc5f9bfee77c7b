import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** The server tests run against: TEST_DATABASE_URL, else the local one. */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A database of its own for one test file, dropped afterwards together with
 * the tenant roles it created (roles outlive databases in PostgreSQL).
 */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `pulse_${label.replace(/[^a-z0-9]/g, '_').slice(0, 20)}_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `No PostgreSQL at ${serverUrl} (${(error as Error).message}). Start one, or point TEST_DATABASE_URL at a server where this user may create databases and roles.`,
      { cause: error },
    );
  }
  try {
    await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  return {
    name,
    url,
    async drop() {
      const inner = new pg.Client({ connectionString: url });
      let prefix: string | undefined;
      try {
        await inner.connect();
        const result = await inner.query<{ value: string }>("SELECT value FROM pulse.settings WHERE key = 'role_prefix'");
        prefix = result.rows[0]?.value;
      } catch {
        prefix = undefined;
      } finally {
        await inner.end().catch(() => undefined);
      }
      const outer = new pg.Client({ connectionString: serverUrl });
      await outer.connect();
      try {
        await outer.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
        if (prefix && /^pulse_[0-9a-f]{8}$/.test(prefix)) {
          const roles = await outer.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1)', [`${prefix}_`]);
          for (const { rolname } of roles.rows) await outer.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(rolname)}`);
        }
      } finally {
        await outer.end();
      }
    },
  };
}
