import type { KeyRecord } from './tenants-repository.ts';

interface Entry {
  record: KeyRecord | undefined;
  expires: number;
}

const MAX_ENTRIES = 50_000;

/**
 * Remembers checked keys (and unknown key ids) for a short time so that
 * authentication costs no database round trip per request. A revocation made
 * elsewhere is honoured within the TTL; one made through this process at once.
 */
export class KeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly load: (keyId: string) => Promise<KeyRecord | undefined>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const hit = this.entries.get(keyId);
    if (hit && hit.expires > this.now()) return hit.record;
    const record = await this.load(keyId);
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(keyId);
    this.entries.set(keyId, { record, expires: this.now() + this.ttlMs });
    return record;
  }

  forget(keyId: string): void {
    this.entries.delete(keyId);
  }

  forgetTenant(tenantId: string): void {
    for (const [keyId, entry] of this.entries) if (entry.record?.tenant.id === tenantId) this.entries.delete(keyId);
  }
}
