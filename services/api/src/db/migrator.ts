import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database, Queryable } from './database.ts';
import { quoteIdent } from './identifiers.ts';
import type { TenantRef } from './tenant-scope.ts';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface MigrationSet {
  readonly control: readonly Migration[];
  readonly tenant: readonly Migration[];
}

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));
/** Arbitrary but fixed: every Pulse migrator of a database queues on this lock. */
const CONTROL_LOCK = 7_283_001;
const TENANT_LOCK_CLASS = 7_283_002;

async function readFolder(folder: string): Promise<Migration[]> {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.sql')).sort();
  const migrations = await Promise.all(
    files.map(async (file) => {
      const match = /^([0-9]{3})_([a-z0-9_]+)\.sql$/.exec(file);
      if (!match) throw new Error(`migration file ${file} is not named NNN_name.sql`);
      return { version: Number(match[1]), name: match[2]!, sql: await readFile(`${folder}/${file}`, 'utf8') };
    }),
  );
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations in ${folder} must be numbered 001, 002, … without gaps`);
  });
  return migrations;
}

export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationSet> {
  const [control, tenant] = await Promise.all([readFolder(`${dir}/control`), readFolder(`${dir}/tenant`)]);
  return { control, tenant };
}

/**
 * Applies the control migrations not yet recorded. Each runs in its own
 * transaction that first takes the migration lock and records itself, so
 * replicas that start together apply each migration exactly once.
 */
async function migrateControl(db: Database, set: MigrationSet): Promise<string[]> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [CONTROL_LOCK]);
    await tx.exec(`
      CREATE SCHEMA IF NOT EXISTS pulse;
      CREATE TABLE IF NOT EXISTS pulse.migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      );`);
  });
  const applied: string[] = [];
  for (const migration of set.control) {
    const ran = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CONTROL_LOCK]);
      const recorded = await tx.query(
        'INSERT INTO pulse.migrations (version, name) VALUES ($1, $2) ON CONFLICT (version) DO NOTHING RETURNING version',
        [migration.version, migration.name],
      );
      if (recorded.rowCount === 0) return false;
      await tx.exec(migration.sql);
      return true;
    });
    if (ran) applied.push(`control/${migration.name}`);
  }
  return applied;
}

/** Brings one tenant's schema up to date inside the caller's transaction. */
export async function migrateTenantSchema(tx: Queryable, tenant: TenantRef, set: MigrationSet): Promise<number> {
  await tx.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [TENANT_LOCK_CLASS, tenant.id]);
  const done = await tx.query<{ version: number }>('SELECT version FROM pulse.tenant_migrations WHERE tenant_id = $1', [tenant.id]);
  const have = new Set(done.rows.map((r) => Number(r.version)));
  const missing = set.tenant.filter((m) => !have.has(m.version));
  if (missing.length === 0) return 0;
  const schema = quoteIdent(tenant.schema);
  const role = quoteIdent(tenant.role);
  await tx.query("SELECT set_config('search_path', $1, true)", [schema]);
  for (const migration of missing) {
    await tx.query('INSERT INTO pulse.tenant_migrations (tenant_id, version) VALUES ($1, $2)', [tenant.id, migration.version]);
    await tx.exec(migration.sql);
  }
  // Tenants may read and append their own messages, nothing else: no update, no delete.
  await tx.exec(`
    GRANT USAGE ON SCHEMA ${schema} TO ${role};
    GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${schema} TO ${role};`);
  await tx.query("SELECT set_config('search_path', 'pulse', true)");
  return missing.length;
}

export interface MigrationReport {
  control: string[];
  tenants: number;
}

/** Control schema first, then every tenant's schema, each tenant in its own transaction. */
export async function migrate(db: Database, set?: MigrationSet): Promise<MigrationReport> {
  const migrations = set ?? (await readMigrations());
  const control = await migrateControl(db, migrations);
  const tenants = await db.query<{ id: string; schema_name: string; role_name: string }>(
    'SELECT id, schema_name, role_name FROM pulse.tenants ORDER BY id',
  );
  let migratedTenants = 0;
  for (const row of tenants.rows) {
    const tenant = { id: row.id, schema: row.schema_name, role: row.role_name };
    const count = await db.transaction((tx) => migrateTenantSchema(tx, tenant, migrations));
    if (count > 0) migratedTenants += 1;
  }
  return { control, tenants: migratedTenants };
}

/** True when the database has every migration this build knows (for readiness). */
export async function isMigrated(db: Queryable, set: MigrationSet): Promise<boolean> {
  const result = await db.query<{ control: number; behind: number }>(
    `SELECT (SELECT count(*) FROM pulse.migrations WHERE version <= $1)::int AS control,
            (SELECT count(*) FROM pulse.tenants t
              WHERE (SELECT count(*) FROM pulse.tenant_migrations m WHERE m.tenant_id = t.id) < $2)::int AS behind`,
    [set.control.length, set.tenant.length],
  );
  const row = result.rows[0];
  return row !== undefined && Number(row.control) === set.control.length && Number(row.behind) === 0;
}
