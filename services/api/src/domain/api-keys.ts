import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_FORMAT = /^pulse_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface GeneratedKey {
  id: string;
  key: string;
  hash: Buffer;
}

/**
 * A key is "pulse_<id>_<secret>": the id (64 bits, public) finds the record,
 * the secret (256 bits) proves possession. Keys are random, so a fast hash is
 * enough; a slow password hash would only cost every request.
 */
export function generateApiKey(): GeneratedKey {
  const id = randomBytes(8).toString('hex');
  const key = `pulse_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The key id, or undefined when the text cannot be a Pulse key at all. */
export function parseApiKeyId(key: string): string | undefined {
  return KEY_FORMAT.exec(key)?.[1];
}

export function hashesEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time comparison of two secrets of any length (the admin token). */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(hashApiKey(given), hashApiKey(expected));
}
