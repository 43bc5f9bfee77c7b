import type { Database, Queryable } from './database.ts';
import { quoteIdent } from './identifiers.ts';

/** What the database needs to know to act as one tenant. */
export interface TenantRef {
  readonly id: string;
  readonly schema: string;
  readonly role: string;
}

/**
 * The one way tenant data is reached. The transaction runs as the tenant's own
 * role with the tenant's schema as its search path, so PostgreSQL itself refuses
 * any statement that names another tenant's schema, whatever the SQL says.
 */
export function withTenant<T>(db: Database, tenant: TenantRef, work: (tx: Queryable) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.query("SELECT set_config('role', $1, true), set_config('search_path', $2, true)", [
      tenant.role,
      quoteIdent(tenant.schema),
    ]);
    return work(tx);
  });
}
