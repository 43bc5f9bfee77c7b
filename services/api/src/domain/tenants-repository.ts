import { PulseError, type ApiKeyScope, type CreatedApiKey, type Tenant } from '@pulse/contract';
import type { Database, Queryable } from '../db/database.ts';
import { quoteIdent, tenantRoleName, tenantSchemaName } from '../db/identifiers.ts';
import { migrateTenantSchema, type MigrationSet } from '../db/migrator.ts';
import type { TenantRef } from '../db/tenant-scope.ts';
import { generateApiKey } from './api-keys.ts';

export interface TenantRecord extends TenantRef {
  readonly name: string;
  readonly rateLimitPerMinute: number | null;
  readonly createdAt: string;
}

export interface KeyRecord {
  readonly id: string;
  readonly hash: Buffer;
  readonly scopes: readonly ApiKeyScope[];
  readonly tenant: TenantRecord;
}

interface TenantRow {
  id: string;
  name: string;
  schema_name: string;
  role_name: string;
  rate_limit_per_minute: number | null;
  created_at: string;
}

const TENANT_COLUMNS = `t.id, t.name, t.schema_name, t.role_name, t.rate_limit_per_minute,
  to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at`;

function toRecord(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    schema: row.schema_name,
    role: row.role_name,
    rateLimitPerMinute: row.rate_limit_per_minute === null ? null : Number(row.rate_limit_per_minute),
    createdAt: row.created_at,
  };
}

export function toTenantBody(record: TenantRecord): Tenant {
  return { id: record.id, name: record.name, created_at: record.createdAt, rate_limit_per_minute: record.rateLimitPerMinute };
}

export const DEFAULT_SCOPES: readonly ApiKeyScope[] = ['ingest', 'read'];

/** The control plane: tenants, their roles and schemas, and their API keys. */
export class TenantsRepository {
  constructor(
    private readonly db: Database,
    private readonly migrations: MigrationSet,
  ) {}

  /** Creates the tenant, its role, its schema and a first key, all in one transaction. */
  async create(input: { id: string; name?: string | undefined; rateLimitPerMinute?: number | undefined }): Promise<{ tenant: TenantRecord; apiKey: CreatedApiKey }> {
    return this.db.transaction(async (tx) => {
      const prefix = await tx.query<{ value: string }>("SELECT value FROM pulse.settings WHERE key = 'role_prefix'");
      const schema = tenantSchemaName(input.id);
      const role = tenantRoleName(prefix.rows[0]!.value, input.id);
      const inserted = await tx.query<TenantRow>(
        `INSERT INTO pulse.tenants AS t (id, name, schema_name, role_name, rate_limit_per_minute)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING RETURNING ${TENANT_COLUMNS}`,
        [input.id, input.name ?? input.id, schema, role, input.rateLimitPerMinute ?? null],
      );
      const row = inserted.rows[0];
      if (!row) throw new PulseError('CONFLICT', `tenant ${input.id} already exists`);
      await createTenantRole(tx, role);
      await tx.exec(`CREATE SCHEMA ${quoteIdent(schema)}`);
      const tenant = toRecord(row);
      await migrateTenantSchema(tx, tenant, this.migrations);
      const apiKey = await insertKey(tx, tenant.id, DEFAULT_SCOPES);
      return { tenant, apiKey };
    });
  }

  async list(): Promise<TenantRecord[]> {
    const result = await this.db.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM pulse.tenants t ORDER BY t.id`);
    return result.rows.map(toRecord);
  }

  async get(id: string): Promise<TenantRecord | undefined> {
    const result = await this.db.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM pulse.tenants t WHERE t.id = $1`, [id]);
    return result.rows[0] && toRecord(result.rows[0]);
  }

  async update(id: string, changes: { name?: string | undefined; rateLimitPerMinute?: number | null | undefined }): Promise<TenantRecord | undefined> {
    const result = await this.db.query<TenantRow>(
      `UPDATE pulse.tenants AS t
          SET name = COALESCE($2, t.name),
              rate_limit_per_minute = CASE WHEN $3::boolean THEN $4::integer ELSE t.rate_limit_per_minute END
        WHERE t.id = $1
      RETURNING ${TENANT_COLUMNS}`,
      [id, changes.name ?? null, changes.rateLimitPerMinute !== undefined, changes.rateLimitPerMinute ?? null],
    );
    return result.rows[0] && toRecord(result.rows[0]);
  }

  /** Drops the tenant's schema with all its messages, its role and its keys. */
  async delete(id: string): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const found = await tx.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM pulse.tenants t WHERE t.id = $1 FOR UPDATE`, [id]);
      const row = found.rows[0];
      if (!row) return false;
      await tx.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(row.schema_name)} CASCADE`);
      await tx.query('DELETE FROM pulse.tenants WHERE id = $1', [id]);
      await tx.exec(`DROP ROLE IF EXISTS ${quoteIdent(row.role_name)}`);
      return true;
    });
  }

  async createKey(tenantId: string, scopes: readonly ApiKeyScope[]): Promise<CreatedApiKey | undefined> {
    return this.db.transaction(async (tx) => {
      const found = await tx.query('SELECT 1 FROM pulse.tenants WHERE id = $1 FOR SHARE', [tenantId]);
      if (found.rowCount === 0) return undefined;
      return insertKey(tx, tenantId, scopes);
    });
  }

  async revokeKey(tenantId: string, keyId: string): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE pulse.api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL',
      [tenantId, keyId],
    );
    return result.rowCount > 0;
  }

  async listKeys(tenantId: string): Promise<{ id: string; scopes: ApiKeyScope[]; created_at: string; revoked_at: string | null }[]> {
    const result = await this.db.query<{ id: string; scopes: ApiKeyScope[]; created_at: string; revoked_at: string | null }>(
      `SELECT id, scopes,
              to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at,
              to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS revoked_at
         FROM pulse.api_keys WHERE tenant_id = $1 ORDER BY created_at, id`,
      [tenantId],
    );
    return result.rows;
  }

  /** The live (unrevoked) key with this id, with its tenant. */
  async findKey(keyId: string): Promise<KeyRecord | undefined> {
    const result = await this.db.query<TenantRow & { key_id: string; key_hash: Buffer | Uint8Array; scopes: ApiKeyScope[] }>(
      `SELECT k.id AS key_id, k.key_hash, k.scopes, ${TENANT_COLUMNS}
         FROM pulse.api_keys k JOIN pulse.tenants t ON t.id = k.tenant_id
        WHERE k.id = $1 AND k.revoked_at IS NULL`,
      [keyId],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return { id: row.key_id, hash: Buffer.from(row.key_hash), scopes: row.scopes, tenant: toRecord(row) };
  }
}

async function insertKey(tx: Queryable, tenantId: string, scopes: readonly ApiKeyScope[]): Promise<CreatedApiKey> {
  const generated = generateApiKey();
  const ordered = DEFAULT_SCOPES.filter((s) => scopes.includes(s));
  await tx.query('INSERT INTO pulse.api_keys (id, tenant_id, key_hash, scopes) VALUES ($1, $2, $3, $4)', [
    generated.id,
    tenantId,
    generated.hash,
    ordered,
  ]);
  return { id: generated.id, key: generated.key, scopes: [...ordered] };
}

/**
 * The tenant's role cannot log in; the API's own role becomes a member so it
 * can SET ROLE to it inside a request's transaction. A superuser needs no
 * membership; PostgreSQL 16 and later need the SET option spelled out.
 */
async function createTenantRole(tx: Queryable, role: string): Promise<void> {
  await tx.exec(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
  const me = await tx.query<{ rolsuper: boolean; version: number }>(
    "SELECT rolsuper, current_setting('server_version_num')::int AS version FROM pg_roles WHERE rolname = current_user",
  );
  const self = me.rows[0];
  if (!self || self.rolsuper) return;
  await tx.exec(`GRANT ${quoteIdent(role)} TO CURRENT_USER${Number(self.version) >= 160000 ? ' WITH INHERIT FALSE, SET TRUE' : ''}`);
}
