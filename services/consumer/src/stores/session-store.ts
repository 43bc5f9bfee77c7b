import type { Session } from 'fastify';
import type { SessionStore } from '@fastify/session';
import type { KeyValueStore } from './key-value-store.ts';

type Callback = (error?: unknown) => void;

/** Adapts a KeyValueStore to @fastify/session; each session expires with its cookie. */
export function sessionStore(store: KeyValueStore, ttlMs: number): SessionStore {
  const key = (id: string): string => `session:${id}`;
  return {
    set(sessionId: string, session: Session, callback: Callback) {
      store.set(key(sessionId), JSON.stringify(session), ttlMs).then(() => callback(), callback);
    },
    get(sessionId: string, callback: (error: unknown, session?: Session | null) => void) {
      store.get(key(sessionId)).then(
        (raw) => callback(null, raw === undefined ? null : (JSON.parse(raw) as Session)),
        (error: unknown) => callback(error),
      );
    },
    destroy(sessionId: string, callback: Callback) {
      store.delete(key(sessionId)).then(() => callback(), callback);
    },
  };
}
