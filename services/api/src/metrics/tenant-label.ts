/**
 * Tenant ids as metric labels, bounded: the first `limit` tenants seen keep
 * their own label, later ones share "other", so a platform with thousands of
 * tenants cannot blow up the time-series database.
 */
export class TenantLabel {
  private readonly known = new Set<string>();

  constructor(private readonly limit: number) {}

  of(tenantId: string | undefined): string {
    if (tenantId === undefined) return 'none';
    if (this.known.has(tenantId)) return tenantId;
    if (this.known.size < this.limit) {
      this.known.add(tenantId);
      return tenantId;
    }
    return 'other';
  }
}
