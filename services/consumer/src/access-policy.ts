import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * Who may see which tenant after an OIDC/GitHub sign-in, and the read key the
 * dashboard uses for each tenant. Signing in alone grants nothing: a user not
 * listed here sees no tenant.
 */
export interface AccessPolicy {
  tenantsFor(identities: readonly string[]): string[];
  readKeyFor(tenant: string): string | undefined;
}

export const EMPTY_POLICY: AccessPolicy = { tenantsFor: () => [], readKeyFor: () => undefined };

interface TenantEntry {
  read_key?: string;
  read_key_file?: string;
}

function fail(file: string, why: string): never {
  throw new Error(`ACCESS_FILE ${file}: ${why}`);
}

/** GitHub logins and e-mail addresses compare case-insensitively; OIDC subjects do not. */
function normalise(identity: string): string {
  return identity.startsWith('oidc:') ? identity : identity.toLowerCase();
}

function stringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

/** Reads and checks the whole file at start-up, so a mistake stops the process instead of locking users out later. */
export function loadAccessPolicy(file: string): AccessPolicy {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(file, (error as Error).message);
  }
  if (typeof parsed !== 'object' || parsed === null) fail(file, 'must hold a JSON object');
  const { users, tenants } = parsed as { users?: unknown; tenants?: unknown };
  if (typeof users !== 'object' || users === null) fail(file, '"users" must map identities to tenant ids');
  if (typeof tenants !== 'object' || tenants === null) fail(file, '"tenants" must map tenant ids to { read_key | read_key_file }');
  const keys = new Map<string, string>();
  for (const [tenant, entry] of Object.entries(tenants as Record<string, TenantEntry>)) {
    let key = entry?.read_key;
    if (key === undefined && typeof entry?.read_key_file === 'string') {
      key = readFileSync(resolve(dirname(file), entry.read_key_file), 'utf8').trim();
    }
    if (typeof key !== 'string' || key === '') fail(file, `tenant "${tenant}" needs read_key or read_key_file`);
    keys.set(tenant, key);
  }
  const grants = new Map<string, string[]>();
  for (const [identity, list] of Object.entries(users as Record<string, unknown>)) {
    if (!/^(github|oidc|email):.+$/.test(identity)) fail(file, `user "${identity}" must look like github:<login>, oidc:<subject> or email:<address>`);
    if (!stringArray(list)) fail(file, `user "${identity}" must map to an array of tenant ids`);
    for (const tenant of list) if (!keys.has(tenant)) fail(file, `user "${identity}" names tenant "${tenant}", which has no read key`);
    grants.set(normalise(identity), list);
  }
  return {
    tenantsFor(identities) {
      const found = new Set<string>();
      for (const identity of identities) for (const tenant of grants.get(normalise(identity)) ?? []) found.add(tenant);
      return [...found].sort();
    },
    readKeyFor(tenant) {
      return keys.get(tenant);
    },
  };
}
