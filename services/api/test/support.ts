import { randomBytes } from 'node:crypto';
import { createLogger } from '@pulse/logger';
import { createTestDatabase, type TestDatabase } from '@pulse/test-support';
import { buildApp } from '../src/app.ts';
import type { AppSettings, PulseApp, Services } from '../src/app-types.ts';
import type { Database } from '../src/db/database.ts';
import { migrate, readMigrations } from '../src/db/migrator.ts';
import { createPgDatabase } from '../src/db/pg-database.ts';
import { createPgliteDatabase } from '../src/db/pglite-database.ts';

export const silentLogger = createLogger({ service: 'api-test', level: 'silent' });

export const testSettings: AppSettings = Object.freeze({
  ADMIN_TOKEN: randomBytes(24).toString('hex'),
  RATE_LIMIT_PER_MINUTE: 100_000,
  KEY_CACHE_TTL: 5000,
  REQUEST_TIMEOUT: 30_000,
  HEADERS_TIMEOUT: 10_000,
  INGEST_QUEUE_MAX: 2000,
  MAX_EVENT_LOOP_DELAY: 200,
  CORS_ORIGINS: [],
  TRUST_PROXY: false,
});

export function pgDatabase(url: string, poolMax = 5): Database {
  return createPgDatabase({ connection: { connectionString: url }, poolMax, connectTimeoutMs: 2000, queryTimeoutMs: 10_000, logger: silentLogger });
}

export interface StorageUnderTest {
  readonly label: 'postgres' | 'pglite';
  readonly db: Database;
  close(): Promise<void>;
}

/** A migrated database of either kind, so storage tests run on both. */
export async function openStorage(kind: 'postgres' | 'pglite'): Promise<StorageUnderTest> {
  if (kind === 'pglite') {
    const db = await createPgliteDatabase(undefined);
    await migrate(db);
    return { label: kind, db, close: () => db.close() };
  }
  const testDb = await createTestDatabase('storage');
  const db = pgDatabase(testDb.url);
  await migrate(db);
  return {
    label: kind,
    db,
    async close() {
      await db.close();
      await testDb.drop();
    },
  };
}

export interface TestApi {
  readonly url: string;
  readonly app: PulseApp;
  readonly services: Services;
  readonly db: Database;
  readonly adminToken: string;
  readonly testDb: TestDatabase | undefined;
  createTenant(id: string, extra?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * The real app on a real port over a real PostgreSQL database of its own
 * (or over an existing one, to run two API instances side by side).
 */
export async function startTestApi(options: { databaseUrl?: string; settings?: Partial<AppSettings>; database?: Database } = {}): Promise<TestApi> {
  const testDb = options.databaseUrl || options.database ? undefined : await createTestDatabase('api');
  const db = options.database ?? pgDatabase(options.databaseUrl ?? testDb!.url);
  const migrations = await readMigrations();
  await migrate(db, migrations);
  const settings = { ...testSettings, ...options.settings };
  const { app, services } = await buildApp({ settings, db, logger: silentLogger, migrations });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const adminToken = settings.ADMIN_TOKEN ?? '';
  return {
    url,
    app,
    services,
    db,
    adminToken,
    testDb,
    async createTenant(id, extra = {}) {
      const response = await fetch(`${url}/admin/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, ...extra }),
      });
      if (response.status !== 201) throw new Error(`create tenant ${id}: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { api_key: { key: string } }).api_key.key;
    },
    async close() {
      await app.close();
      if (!options.database) await db.close();
      await testDb?.drop();
    },
  };
}

export interface Call {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
}

/** fetch with JSON in and out. */
export async function call(
  url: string,
  options: { method?: string; key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<Call> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  return { status: response.status, headers: response.headers, body: parsed };
}
