import type { Database, Queryable } from './database.ts';
import { isTenantId, quoteIdent, quoteLiteral } from './identifiers.ts';

/** What the database needs to know to act as one tenant. */
export interface TenantRef {
  readonly id: string;
  readonly schema: string;
  readonly role: string;
}

/** Arbitrary but fixed: the lock class of per-tenant insert serialisation. */
const INSERT_LOCK_CLASS = 7_283_003;

export interface TenantScopeOptions {
  /**
   * Serialise this tenant's inserting transactions, so that ids become visible
   * in commit order and "everything after id N" never misses a late commit.
   */
  serializeInserts?: boolean;
}

/**
 * The one way tenant data is reached. The transaction runs as the tenant's own
 * role with the tenant's schema as its search path, so PostgreSQL itself refuses
 * any statement that names another tenant's schema, whatever the SQL says.
 * Role and schema go in with BEGIN, in one round trip.
 */
export function withTenant<T>(db: Database, tenant: TenantRef, work: (tx: Queryable) => Promise<T>, options: TenantScopeOptions = {}): Promise<T> {
  if (!isTenantId(tenant.id) || tenant.schema !== `tenant_${tenant.id}` || !tenant.role.endsWith(`_${tenant.id}`) || !/^pulse_[0-9a-f]{8}_/.test(tenant.role)) {
    throw new Error(`refusing an inconsistent tenant reference for ${JSON.stringify(tenant.id)}`);
  }
  const settings = [
    `set_config('role', ${quoteLiteral(tenant.role)}, true)`,
    `set_config('search_path', ${quoteLiteral(quoteIdent(tenant.schema))}, true)`,
  ];
  if (options.serializeInserts) settings.push(`pg_advisory_xact_lock(${INSERT_LOCK_CLASS}, hashtext(${quoteLiteral(tenant.id)}))`);
  return db.transaction(work, `SELECT ${settings.join(', ')}`);
}
