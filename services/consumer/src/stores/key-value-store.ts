import { Redis } from 'ioredis';

/** Short-lived values (sessions, sign-in links) that every replica of the dashboard must see. */
export interface KeyValueStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Reads and deletes in one step, so a single-use value is used once even across replicas. */
  take(key: string): Promise<string | undefined>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

const SWEEP_MS = 60_000;

/** For one replica: values vanish on restart and are not shared. */
export function memoryStore(): KeyValueStore {
  const values = new Map<string, { value: string; expiresAt: number }>();
  const live = (key: string): string | undefined => {
    const entry = values.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= Date.now()) {
      values.delete(key);
      return undefined;
    }
    return entry.value;
  };
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of values) if (entry.expiresAt <= now) values.delete(key);
  }, SWEEP_MS);
  sweep.unref();
  return {
    kind: 'memory',
    async get(key) {
      return live(key);
    },
    async set(key, value, ttlMs) {
      values.set(key, { value, expiresAt: Date.now() + ttlMs });
    },
    async take(key) {
      const value = live(key);
      values.delete(key);
      return value;
    },
    async delete(key) {
      values.delete(key);
    },
    async close() {
      clearInterval(sweep);
      values.clear();
    },
  };
}

export async function redisStore(url: string, prefix = 'pulse:consumer:'): Promise<KeyValueStore> {
  const redis = new Redis(url, { keyPrefix: prefix, lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
  await redis.connect();
  return {
    kind: 'redis',
    async get(key) {
      return (await redis.get(key)) ?? undefined;
    },
    async set(key, value, ttlMs) {
      await redis.set(key, value, 'PX', Math.max(1, Math.round(ttlMs)));
    },
    async take(key) {
      return (await redis.getdel(key)) ?? undefined;
    },
    async delete(key) {
      await redis.del(key);
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
