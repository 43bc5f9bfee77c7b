/** Who sends a request of the isolation matrix, and the key it sends. */
export type KeyKind = 'own' | 'other' | 'read-only' | 'ingest-only' | 'revoked' | 'admin' | 'none' | 'garbage';
export const KEY_KINDS: readonly KeyKind[] = ['own', 'other', 'read-only', 'ingest-only', 'revoked', 'admin', 'none', 'garbage'];

export type Route = 'post' | 'batch' | 'list' | 'cursor' | 'stream' | 'tenant' | 'stats' | 'admin-list' | 'admin-keys' | 'admin-new-key' | 'admin-patch' | 'admin-revoke' | 'admin-delete';
export const ROUTES: readonly Route[] = ['post', 'batch', 'list', 'cursor', 'stream', 'tenant', 'stats', 'admin-list', 'admin-keys', 'admin-new-key', 'admin-patch', 'admin-revoke', 'admin-delete'];

const WRITES: readonly Route[] = ['post', 'batch'];

/** The status each cell must get; undefined where the matrix skips a destructive admin call. */
export function expectedStatus(route: Route, kind: KeyKind): number | undefined {
  if (route.startsWith('admin-')) {
    if (kind !== 'admin') return 401;
    return { 'admin-list': 200, 'admin-keys': 200, 'admin-new-key': 201, 'admin-patch': 200, 'admin-revoke': undefined, 'admin-delete': undefined }[route as string];
  }
  if (kind === 'revoked' || kind === 'admin' || kind === 'none' || kind === 'garbage') return 401;
  const write = WRITES.includes(route);
  if (write && kind === 'read-only') return 403;
  if (!write && kind === 'ingest-only') return 403;
  return route === 'post' ? 201 : 200;
}

/** Kinds whose key belongs to a tenant: only that tenant's data may come back. */
export function ownerOf(kind: KeyKind, tenant: number, tenants: number): number | undefined {
  if (kind === 'own' || kind === 'read-only' || kind === 'ingest-only') return tenant;
  if (kind === 'other') return (tenant + 1) % tenants;
  return undefined;
}
