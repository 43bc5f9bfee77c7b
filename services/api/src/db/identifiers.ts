import { TENANT_ID_PATTERN } from '@pulse/contract';

const TENANT_ID = new RegExp(TENANT_ID_PATTERN);

export function isTenantId(value: string): boolean {
  return TENANT_ID.test(value);
}

/** Quotes an SQL string literal; callers only pass names built from validated tenant ids. */
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Quotes an SQL identifier; callers only pass names built from validated tenant ids. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function tenantSchemaName(tenantId: string): string {
  if (!isTenantId(tenantId)) throw new Error(`invalid tenant id ${JSON.stringify(tenantId)}`);
  return `tenant_${tenantId}`;
}

/**
 * Roles are global to a PostgreSQL cluster while tenants belong to one
 * database, so each database's roles carry a prefix chosen at its first migration.
 */
export function tenantRoleName(rolePrefix: string, tenantId: string): string {
  if (!isTenantId(tenantId)) throw new Error(`invalid tenant id ${JSON.stringify(tenantId)}`);
  if (!/^pulse_[0-9a-f]{8}$/.test(rolePrefix)) throw new Error('invalid role prefix');
  return `${rolePrefix}_${tenantId}`;
}
