import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from './stores/key-value-store.ts';
import type { SessionTenant } from './session.ts';

export const SIGN_IN_LINK_TTL_MS = 15 * 60_000;

export interface SignInGrant {
  tenant: SessionTenant;
  key: string;
}

/**
 * One-time links that sign a browser in with a tenant's read key, for the demo
 * and for operators: the token is random, lives 15 minutes and is used once.
 */
export class SignInLinks {
  constructor(private readonly store: KeyValueStore) {}

  async create(grant: SignInGrant): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.store.set(`link:${token}`, JSON.stringify(grant), SIGN_IN_LINK_TTL_MS);
    return token;
  }

  async redeem(token: string): Promise<SignInGrant | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const raw = await this.store.take(`link:${token}`);
    return raw === undefined ? undefined : (JSON.parse(raw) as SignInGrant);
  }
}
