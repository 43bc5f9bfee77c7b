import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from '@pulse/logger';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ApiConfig } from './config.ts';
import type { Database } from './db/database.ts';
import type { MigrationSet } from './db/migrator.ts';
import type { IngestWriter } from './domain/ingest-writer.ts';
import type { KeyCache } from './domain/key-cache.ts';
import type { Lifecycle } from './domain/lifecycle.ts';
import type { ApiMetrics } from './metrics/api-metrics.ts';
import type { MessagesRepository } from './domain/messages-repository.ts';
import type { StreamHub } from './domain/stream-hub.ts';
import type { TenantsRepository } from './domain/tenants-repository.ts';

export type PulseApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The subset of configuration the app itself reads (tests pass their own). */
export type AppSettings = Pick<
  ApiConfig,
  'ADMIN_TOKEN' | 'RATE_LIMIT_PER_MINUTE' | 'KEY_CACHE_TTL' | 'CORS_ORIGINS' | 'TRUST_PROXY' | 'REQUEST_TIMEOUT' | 'HEADERS_TIMEOUT' | 'INGEST_QUEUE_MAX' | 'MAX_EVENT_LOOP_DELAY'
>;

export interface AppDependencies {
  settings: AppSettings;
  db: Database;
  logger: Logger;
  migrations: MigrationSet;
}

/** What routes share, built once per app. */
export interface Services {
  settings: AppSettings;
  db: Database;
  migrations: MigrationSet;
  tenants: TenantsRepository;
  messages: MessagesRepository;
  writer: IngestWriter;
  hub: StreamHub;
  keys: KeyCache;
  lifecycle: Lifecycle;
  metrics: ApiMetrics;
}
