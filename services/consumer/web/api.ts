import type { StoredMessage } from '@pulse/contract';

/** A message as the API returns it: the contract's type, never a copy of it. */
export type Message = StoredMessage;

export interface MessagePage {
  messages: Message[];
  count: number;
  next_cursor: string | null;
}

export interface TenantInfo {
  tenantId: string;
  name: string;
  statistics: { total_messages: number; last_message: string | null; environments: Record<string, number> };
}

export interface Stats {
  bucket_seconds: number;
  from: string;
  to: string;
  buckets: { start: string; environment: string; count: number }[];
}

export interface UserInfo {
  user: { id: string; name: string; via: string };
  tenants: { id: string; name: string }[];
}

export class SignedOut extends Error {}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(name, value);
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The dashboard server's JSON routes; a 401 means the session ended, so the page goes back to sign-in. */
export async function getJson<T>(path: string, params: Record<string, string | undefined> = {}): Promise<T> {
  const response = await fetch(`${path}${query(params)}`, { headers: { accept: 'application/json' }, credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.assign('/');
    throw new SignedOut('signed out');
  }
  const body = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `HTTP ${response.status}`);
  return body;
}
