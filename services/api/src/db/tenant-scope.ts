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
 * The way tenant data is reached (with withEachTenant below, for several tenants in one commit). The transaction runs as the tenant's own
 * role with the tenant's schema as its search path, so PostgreSQL itself refuses
 * any statement that names another tenant's schema, whatever the SQL says.
 * Role and schema go in with BEGIN, in one round trip.
 */
export function withTenant<T>(db: Database, tenant: TenantRef, work: (tx: Queryable) => Promise<T>, options: TenantScopeOptions = {}): Promise<T> {
  return db.transaction(work, scopeStatement(tenant, options));
}

/**
 * Several tenants in one transaction (one commit for all, as group commit
 * across tenants wants), each tenant's work running under that tenant's own
 * role and schema. Tenants take their insert locks in id order, so two such
 * transactions can never deadlock. Results come back in the order given.
 */
export function withEachTenant<T>(
  db: Database,
  tenants: readonly TenantRef[],
  work: (tx: Queryable, tenant: TenantRef, index: number) => Promise<T>,
  options: TenantScopeOptions = {},
): Promise<T[]> {
  const order = tenants.map((tenant, index) => ({ tenant, index })).sort((a, b) => (a.tenant.id < b.tenant.id ? -1 : a.tenant.id > b.tenant.id ? 1 : 0));
  if (order.length === 0) return Promise.resolve([]);
  return db.transaction(async (tx) => {
    const results: T[] = new Array<T>(tenants.length);
    for (const [position, { tenant, index }] of order.entries()) {
      if (position > 0) await tx.query(scopeStatement(tenant, options));
      results[index] = await work(tx, tenant, index);
    }
    return results;
  }, scopeStatement(order[0]!.tenant, options));
}

/** The statement that puts a transaction in a tenant's scope; every tenant query is preceded by it. */
function scopeStatement(tenant: TenantRef, options: TenantScopeOptions): string {
  if (!isTenantId(tenant.id) || tenant.schema !== `tenant_${tenant.id}` || !tenant.role.endsWith(`_${tenant.id}`) || !/^pulse_[0-9a-f]{8}_/.test(tenant.role)) {
    throw new Error(`refusing an inconsistent tenant reference for ${JSON.stringify(tenant.id)}`);
  }
  const settings = [
    `set_config('role', ${quoteLiteral(tenant.role)}, true)`,
    `set_config('search_path', ${quoteLiteral(quoteIdent(tenant.schema))}, true)`,
  ];
  if (options.serializeInserts) settings.push(`pg_advisory_xact_lock(${INSERT_LOCK_CLASS}, hashtext(${quoteLiteral(tenant.id)}))`);
  return `SELECT ${settings.join(', ')}`;
}
