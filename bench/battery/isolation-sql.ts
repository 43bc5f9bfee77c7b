import { createLogger } from '@pulse/logger';
import pg from 'pg';
import type { Queryable } from '../../services/api/src/db/database.ts';
import { createPgDatabase } from '../../services/api/src/db/pg-database.ts';
import { withEachTenant, withTenant, type TenantRef } from '../../services/api/src/db/tenant-scope.ts';

export interface SqlTenant extends TenantRef {
  readonly marker: string;
}

interface Probe {
  readonly name: string;
  /** Statements run in order inside the attacker's transaction. */
  readonly sql: (victim: SqlTenant) => string[];
  /** Succeeding at all is a breach (writes, file and program access). */
  readonly mustFail?: boolean;
}

const q = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Ways a tenant's session might name another tenant's data; each must fail or return nothing of the victim's. */
const PROBES: readonly Probe[] = [
  { name: 'qualified', sql: (v) => [`SELECT * FROM ${v.schema}.messages`] },
  { name: 'quoted', sql: (v) => [`SELECT * FROM ${q(v.schema)}."messages"`] },
  { name: 'upper-case quoted', sql: (v) => [`SELECT * FROM "${v.schema.toUpperCase()}".MESSAGES`] },
  { name: 'SET LOCAL search_path', sql: (v) => [`SET LOCAL search_path = ${q(v.schema)}, public`, 'SELECT * FROM messages'] },
  { name: 'set_config search_path', sql: (v) => [`SELECT set_config('search_path', '${q(v.schema)}', true)`, 'SELECT * FROM messages'] },
  { name: 'query_to_xml', sql: (v) => [`SELECT query_to_xml('SELECT * FROM ${q(v.schema)}.messages', true, false, '')`] },
  { name: 'regclass by oid', sql: (v) => [`SELECT * FROM ${q(v.schema)}.messages WHERE tableoid = '${q(v.schema)}.messages'::regclass`] },
  { name: 'pg_stats', sql: (v) => [`SELECT most_common_vals::text FROM pg_stats WHERE schemaname = '${v.schema}'`] },
  { name: 'pg_stat_activity', sql: () => ['SELECT query FROM pg_stat_activity'] },
  { name: 'insert into other', sql: (v) => [`INSERT INTO ${q(v.schema)}.messages (message_id, datetime, environment, source, payload) VALUES ('x', now(), 'prod', 'attacker', '{}')`], mustFail: true },
  { name: 'control schema keys', sql: () => ['SELECT * FROM pulse.api_keys'], mustFail: true },
  { name: 'control schema tenants', sql: () => ['SELECT * FROM pulse.tenants'], mustFail: true },
  { name: 'pg_read_file', sql: () => ["SELECT pg_read_file('postgresql.auto.conf')"], mustFail: true },
  { name: 'pg_ls_dir', sql: () => ["SELECT pg_ls_dir('.')"], mustFail: true },
  { name: 'lo_import', sql: () => ["SELECT lo_import('/etc/hostname')"], mustFail: true },
  { name: 'COPY TO PROGRAM', sql: () => ["COPY (SELECT 1) TO PROGRAM 'true'"], mustFail: true },
  { name: 'CREATE FUNCTION in public', sql: () => ['CREATE FUNCTION public.pulse_probe() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$'], mustFail: true },
  { name: 'CREATE TABLE in own schema', sql: () => ['CREATE TABLE probe (x int)'], mustFail: true },
  { name: 'dblink extension', sql: () => ['CREATE EXTENSION dblink'], mustFail: true },
];

/** Not names: role switching is checked against the session user, who is a member of every tenant role (see docs/reliability.md). */
const ROLE_SWITCHES: readonly Probe[] = [
  { name: 'SET LOCAL ROLE victim', sql: (v) => [`SET LOCAL ROLE ${q(v.role)}`, `SELECT * FROM ${q(v.schema)}.messages`] },
  { name: 'RESET ROLE', sql: (v) => ['RESET ROLE', `SELECT * FROM ${q(v.schema)}.messages`] },
];

export interface SqlIsolationFigures {
  probes: number;
  blocked: number;
  leaks: string[];
  roleSwitchesThatReach: number;
  concurrentTransactions: number;
  mixed: number;
}

async function attempt(run: (tx: Queryable) => Promise<string>, db: Parameters<typeof withTenant>[0], tenant: SqlTenant): Promise<{ ok: boolean; text: string }> {
  try {
    return { ok: true, text: await withTenant(db, tenant, run) };
  } catch (error) {
    return { ok: false, text: (error as Error).message };
  }
}

/**
 * Tenant isolation at the SQL level, through the API's own withTenant and
 * withEachTenant on a pool of two connections: every probe of PROBES from each
 * tenant against its neighbour, then many concurrent scoped transactions.
 */
export async function sqlIsolation(url: string, tenants: readonly SqlTenant[], concurrent: number): Promise<SqlIsolationFigures> {
  const db = createPgDatabase({ connection: { connectionString: url }, poolMax: 2, connectTimeoutMs: 10_000, queryTimeoutMs: 10_000, logger: createLogger({ service: 'battery', level: 'silent' }) });
  // A superuser statement holding a victim's marker stays visible in pg_stat_activity while the probes run.
  const watcher = new pg.Client({ connectionString: url });
  await watcher.connect();
  await watcher.query('ANALYZE');
  const held = watcher.query(`SELECT pg_sleep(3), '${tenants[1]!.marker}' AS held`);
  const figures: SqlIsolationFigures = { probes: 0, blocked: 0, leaks: [], roleSwitchesThatReach: 0, concurrentTransactions: 0, mixed: 0 };
  try {
    for (const [index, attacker] of tenants.entries()) {
      const victim = tenants[(index + 1) % tenants.length]!;
      for (const probe of [...PROBES, ...ROLE_SWITCHES]) {
        const result = await attempt(async (tx) => {
          let text = '';
          for (const statement of probe.sql(victim)) text += JSON.stringify((await tx.query(statement)).rows);
          return text;
        }, db, attacker);
        const reached = result.text.includes(victim.marker) || (probe.mustFail === true && result.ok);
        if (ROLE_SWITCHES.includes(probe)) {
          if (reached) figures.roleSwitchesThatReach += 1;
          continue;
        }
        figures.probes += 1;
        if (!result.ok) figures.blocked += 1;
        if (reached) figures.leaks.push(`${attacker.id} -> ${victim.id}: ${probe.name}`);
      }
    }
    await held;
    // Many scoped transactions at once over two connections: each sees only its own tenant.
    const jobs = Array.from({ length: concurrent }, (_, i) => i);
    const sees = (tx: Queryable, tenant: TenantRef): Promise<string> =>
      tx.query<{ who: string; path: string; sources: string }>("SELECT current_user AS who, current_setting('search_path') AS path, coalesce(string_agg(DISTINCT source, ','), '') AS sources FROM messages")
        .then(({ rows: [row] }) => `${tenant.id}|${row!.who === tenant.role}|${row!.path === q(tenant.schema)}|${row!.sources}`);
    const outcomes = await Promise.all(jobs.map(async (i) => {
      const group = [tenants[i % tenants.length]!, tenants[(i * 7 + 3) % tenants.length]!].filter((t, n, all) => all.indexOf(t) === n);
      return i % 2 === 0 ? [await withTenant(db, group[0]!, (tx) => sees(tx, group[0]!))] : withEachTenant(db, group, (tx, tenant) => sees(tx, tenant));
    }));
    for (const line of outcomes.flat()) {
      figures.concurrentTransactions += 1;
      const [id, roleOk, pathOk, sources = ''] = line.split('|');
      const own = tenants.find((t) => t.id === id)!;
      const foreign = tenants.some((t) => t !== own && sources.includes(t.marker));
      if (roleOk !== 'true' || pathOk !== 'true' || foreign || !sources.includes(own.marker)) figures.mixed += 1;
    }
  } finally {
    await held.catch(() => undefined);
    await watcher.end();
    await db.close();
  }
  return figures;
}
