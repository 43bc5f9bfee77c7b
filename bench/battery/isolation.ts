import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '@pulse/test-support';
import { adminCreateKey, adminCreateTenant, startApi, type RunningApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';
import { expectedStatus, KEY_KINDS, ownerOf, ROUTES, type KeyKind, type Route } from './isolation-matrix.ts';
import { sqlIsolation, type SqlTenant } from './isolation-sql.ts';

const TENANTS = { ci: 6, full: 20 };
const HTTP_ROUNDS = { ci: 6, full: 25 };
const SQL_CONCURRENT = { ci: 100, full: 400 };
const SEEDED = 3;

interface Tenant {
  id: string;
  marker: string;
  full: string;
  read: string;
  readId: string;
  ingest: string;
  revoked: string;
  forged: string;
}

const NOBODY = `m${randomBytes(8).toString('hex')}`;

function keyFor(kind: KeyKind, index: number, tenants: Tenant[], admin: string): string | undefined {
  const t = tenants[index]!;
  return { own: t.full, other: tenants[(index + 1) % tenants.length]!.full, 'read-only': t.read, 'ingest-only': t.ingest, revoked: t.revoked, admin, none: undefined, garbage: t.forged }[kind];
}

function body(marker: string): Record<string, unknown> {
  return { datetime: new Date().toISOString(), message_id: `iso-${randomBytes(6).toString('hex')}`, source: `src-${marker}`, payload: { marker } };
}

/** Reads an SSE stream until `enough` says so or the time is up, then hangs up. */
async function readStream(response: Response, enough: (text: string) => boolean, ms: number): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  const timer = setTimeout(() => void reader.cancel().catch(() => undefined), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (enough(text)) break;
    }
  } catch {
    // Cancelled by the timer: what arrived is what counts.
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => undefined);
  }
  return text;
}

async function cell(api: RunningApi, tenants: Tenant[], index: number, kind: KeyKind, route: Route, cursors: string[]): Promise<{ status: number; text: string }> {
  const t = tenants[index]!;
  const owner = ownerOf(kind, index, tenants.length);
  const marker = owner === undefined ? NOBODY : tenants[owner]!.marker;
  const key = keyFor(kind, index, tenants, api.adminToken);
  const decoy = tenants[(index + 2) % tenants.length]!.id;
  const headers: Record<string, string> = { 'x-tenant-id': decoy, 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
  const [method, path, payload]: [string, string, unknown] = {
    post: ['POST', '/api/messages', body(marker)],
    batch: ['POST', '/api/messages/batch', { messages: [body(marker), body(marker)] }],
    list: ['GET', `/api/messages?limit=1000`, undefined],
    cursor: ['GET', `/api/messages?limit=1000&cursor=${cursors[(index + 2) % tenants.length]}`, undefined],
    stream: ['GET', `/api/messages/stream?last_event_id=0`, undefined],
    tenant: ['GET', '/api/tenants', undefined],
    stats: ['GET', '/api/stats?window=1h&bucket=1m', undefined],
    'admin-list': ['GET', '/admin/tenants', undefined],
    'admin-keys': ['GET', `/admin/tenants/${t.id}/keys`, undefined],
    'admin-new-key': ['POST', `/admin/tenants/${t.id}/keys`, { scopes: ['read'] }],
    'admin-patch': ['PATCH', `/admin/tenants/${t.id}`, { name: t.id }],
    'admin-revoke': ['DELETE', `/admin/tenants/${t.id}/keys/${t.readId}`, undefined],
    'admin-delete': ['DELETE', `/admin/tenants/${t.id}`, undefined],
  }[route] as [string, string, unknown];
  if (payload === undefined) delete headers['content-type'];
  const response = await fetch(`${api.url}${path}`, { method, headers, body: payload === undefined ? undefined : JSON.stringify(payload), signal: AbortSignal.timeout(15_000) });
  const own = owner === undefined ? undefined : tenants[owner]!.marker;
  const text = route === 'stream' && response.status === 200
    ? await readStream(response, (s) => own !== undefined && s.split(own).length > SEEDED, 1500)
    : await response.text();
  return { status: response.status, text };
}

/** Issue 8 test 3: tenants × routes × kinds of key over HTTP, SQL-level probes, and many tenants over a pool of two. */
export const isolationTest: BatteryTest = {
  name: 'isolation',
  async run(context) {
    const database = await createTestDatabase('battery_isolation');
    const logFile = join(context.workDir, 'isolation.log');
    context.secrets.addLogFile(logFile);
    const api = await startApi({ databaseUrl: database.url, logFile, env: { DB_POOL_MAX: '2' } });
    try {
      context.secrets.addSecret('admin token', api.adminToken);
      const tenants: Tenant[] = [];
      for (let i = 0; i < TENANTS[context.size]; i++) {
        const id = `iso-${i}`;
        const full = (await adminCreateTenant(api, id)).key;
        const read = await adminCreateKey(api, id, ['read']);
        const ingest = (await adminCreateKey(api, id, ['ingest'])).key;
        const revoked = await adminCreateKey(api, id, ['ingest', 'read']);
        const gone = await fetch(`${api.url}/admin/tenants/${id}/keys/${revoked.keyId}`, { method: 'DELETE', headers: { authorization: `Bearer ${api.adminToken}` } });
        if (gone.status !== 204) throw new Error(`revoking a key: ${gone.status}`);
        for (const key of [full, read.key, ingest, revoked.key]) context.secrets.addSecret('api key', key);
        tenants.push({ id, marker: `m${randomBytes(8).toString('hex')}`, full, read: read.key, readId: read.keyId, ingest, revoked: revoked.key, forged: `${full.slice(0, -8)}AAAAAAAA` });
      }
      const cursors: string[] = [];
      for (const t of tenants) {
        for (let n = 0; n < SEEDED; n++) await fetch(`${api.url}/api/messages`, { method: 'POST', headers: { authorization: `Bearer ${t.full}`, 'content-type': 'application/json' }, body: JSON.stringify(body(t.marker)) });
        const page = (await (await fetch(`${api.url}/api/messages?limit=1`, { headers: { authorization: `Bearer ${t.full}` } })).json()) as { next_cursor: string };
        cursors.push(page.next_cursor);
      }
      context.note(`${tenants.length} tenants seeded; running the matrix`);

      let requests = 0;
      const leaks: string[] = [];
      const wrongStatus: string[] = [];
      const ownMissing: string[] = [];
      await Promise.all(tenants.map(async (t, index) => {
        for (const kind of KEY_KINDS) {
          for (const route of ROUTES) {
            const expected = expectedStatus(route, kind);
            if (expected === undefined) continue;
            const { status, text } = await cell(api, tenants, index, kind, route, cursors);
            requests += 1;
            const where = `${t.id} ${kind} ${route}`;
            const owner = ownerOf(kind, index, tenants.length);
            if (status !== expected) wrongStatus.push(`${where}: ${status} not ${expected}`);
            if (text.includes(NOBODY) || tenants.some((other, n) => n !== owner && text.includes(other.marker))) leaks.push(where);
            if (owner !== undefined && status === 200 && ['list', 'cursor', 'stream'].includes(route) && !text.includes(tenants[owner]!.marker)) ownMissing.push(where);
            if (route === 'tenant' && status === 200 && (JSON.parse(text) as { tenantId: string }).tenantId !== tenants[owner!]!.id) leaks.push(`${where}: names another tenant`);
          }
        }
      }));
      const stillValid = await Promise.all(tenants.map((t) => fetch(`${api.url}/api/messages?limit=1`, { headers: { authorization: `Bearer ${t.read}` } }).then((r) => r.status)));

      context.note('concurrent tenants over a pool of two');
      let reads = 0;
      const mixed: string[] = [];
      await Promise.all(tenants.flatMap((t) => [0, 1].map(async () => {
        for (let round = 0; round < HTTP_ROUNDS[context.size]; round++) {
          await fetch(`${api.url}/api/messages`, { method: 'POST', headers: { authorization: `Bearer ${t.full}`, 'content-type': 'application/json' }, body: JSON.stringify(body(t.marker)) });
          const page = (await (await fetch(`${api.url}/api/messages?limit=100`, { headers: { authorization: `Bearer ${t.full}` } })).json()) as { messages: { source: string }[] };
          reads += 1;
          if (page.messages.length === 0 || page.messages.some((m) => m.source !== `src-${t.marker}`)) mixed.push(t.id);
        }
      })));

      const owner = new pg.Client({ connectionString: database.url });
      await owner.connect();
      const placed = await owner.query<{ id: string; schema_name: string; role_name: string }>('SELECT id, schema_name, role_name FROM pulse.tenants ORDER BY id');
      let misplaced = 0;
      for (const row of placed.rows) {
        const marker = tenants.find((t) => t.id === row.id)!.marker;
        const rows = await owner.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${row.schema_name}".messages WHERE source IS DISTINCT FROM $1`, [`src-${marker}`]);
        misplaced += rows.rows[0]!.n;
      }
      await owner.end();
      const sqlTenants: SqlTenant[] = placed.rows.map((row) => ({ id: row.id, schema: row.schema_name, role: row.role_name, marker: tenants.find((t) => t.id === row.id)!.marker }));
      context.note('SQL-level probes');
      const sql = await sqlIsolation(database.url, sqlTenants, SQL_CONCURRENT[context.size]);
      const apiAlive = api.child.exitCode === null;
      return {
        figures: {
          tenants: tenants.length,
          matrix_requests: requests,
          leaks: leaks.length,
          wrong_status: wrongStatus.length,
          misplaced_rows: misplaced,
          concurrent_reads: reads,
          mixed_reads: mixed.length,
          sql_probes: sql.probes,
          sql_blocked: sql.blocked,
          sql_leaks: sql.leaks.length,
          sql_concurrent_tx: sql.concurrentTransactions,
          sql_mixed: sql.mixed,
          role_switches_reaching: sql.roleSwitchesThatReach,
        },
        checks: [
          check('0 leaks over HTTP', leaks.length === 0, leaks.slice(0, 5).join('; ') || 'none'),
          check('every cell answered the expected status', wrongStatus.length === 0, wrongStatus.slice(0, 5).join('; ') || 'all'),
          check('every own read saw its own data', ownMissing.length === 0, ownMissing.slice(0, 5).join('; ') || 'all'),
          check('every row sits in its own tenant, nothing written by a refused request', misplaced === 0, misplaced),
          check('no key revoked or tenant deleted by a non-admin', stillValid.every((s) => s === 200), stillValid.join(',')),
          check('concurrent tenants over a pool of two never mix', mixed.length === 0 && reads > 0, mixed.slice(0, 5).join(', ') || `${reads} reads`),
          check('no SQL probe reaches another tenant by any name', sql.leaks.length === 0, sql.leaks.slice(0, 5).join('; ') || `${sql.blocked}/${sql.probes} refused`),
          check('concurrent scoped transactions never mix', sql.mixed === 0 && sql.concurrentTransactions > 0, `${sql.mixed} of ${sql.concurrentTransactions}`),
          check('the API survived', apiAlive, api.tail().slice(-500)),
        ],
      };
    } finally {
      await api.stop();
      await context.secrets.scanDatabase(database.url).catch(() => undefined);
      await database.drop();
    }
  },
};
