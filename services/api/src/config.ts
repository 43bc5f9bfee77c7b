import { readFileSync } from 'node:fs';
import { ConfigError, boolean, duration, integer, list, loadConfig, oneOf, optional, port, string, url, type ConfigOf } from '@pulse/config';
import { telemetryConfigSpec } from '@pulse/telemetry';
import type { ClientConfig } from 'pg';

export const apiConfigSpec = {
  PORT: port({ description: 'Port the API listens on', default: 3000 }),
  HOST: string({ description: 'Address the API binds to', default: '0.0.0.0' }),
  DATABASE_URL: optional(url({ description: 'PostgreSQL connection URL; takes precedence over DB_*', protocols: ['postgres:', 'postgresql:'], secret: true })),
  DB_HOST: optional(string({ description: 'PostgreSQL host (the original\'s setting); with DATABASE_URL and DB_HOST unset, the embedded database is used' })),
  DB_PORT: port({ description: 'PostgreSQL port', default: 5432 }),
  DB_NAME: optional(string({ description: 'PostgreSQL database name (required with DB_HOST)' })),
  DB_USER: optional(string({ description: 'PostgreSQL user (required with DB_HOST)' })),
  DB_PASSWORD: optional(string({ description: 'PostgreSQL password', secret: true })),
  DB_SSL: oneOf(['disable', 'require'] as const, { description: '"require" uses TLS and verifies the server certificate', default: 'disable' }),
  DB_CA_CERT_PATH: optional(string({ description: 'CA certificate (PEM) that signs the server certificate, with DB_SSL=require' })),
  DB_POOL_MAX: integer({ description: 'Connections in the API\'s pool', default: 10, min: 1, max: 500 }),
  DB_CONNECT_TIMEOUT: duration({ description: 'How long to wait for a database connection before answering 503', default: 2000, minMs: 100 }),
  DB_QUERY_TIMEOUT: duration({ description: 'How long one query may take before it is abandoned with a 503', default: 10_000, minMs: 100 }),
  PULSE_DATA_DIR: string({ description: 'Folder of the embedded database (and the demo key under npm start)', default: '.pulse-data' }),
  MIGRATE_ON_START: boolean({ description: 'Apply pending migrations at start-up (safe with several replicas)', default: true }),
  ADMIN_TOKEN: optional(string({ description: 'Bearer token for /admin routes; unset turns them off (404). At least 32 characters', secret: true, pattern: /^.{32,}$/s })),
  RATE_LIMIT_PER_MINUTE: integer({ description: 'Requests per minute per tenant and replica, unless the tenant has its own limit', default: 60_000, min: 1 }),
  REQUEST_TIMEOUT: duration({ description: 'How long a client may take to send a whole request, headers and body; a slower one is cut with 408', default: 30_000, minMs: 1000 }),
  MAX_EVENT_LOOP_DELAY: duration({ description: 'Mean event-loop delay past which new requests get 503 OVERLOADED with Retry-After (load shedding); 0 turns it off', default: 200 }),
  INGEST_QUEUE_MAX: integer({ description: 'Messages that may wait for a commit in one replica; beyond it a request gets 503 OVERLOADED with Retry-After instead of queueing without bound', default: 2000, min: 1, max: 1_000_000 }),
  HEADERS_TIMEOUT: duration({ description: 'How long a client may take to send a request\'s headers (at most REQUEST_TIMEOUT); a slower one is cut with 408', default: 10_000, minMs: 1000 }),
  KEY_CACHE_TTL: duration({ description: 'How long a checked API key is trusted before it is read again: the bound on revocation delay', default: 5000 }),
  CORS_ORIGINS: list({ description: 'Comma-separated origins allowed by CORS; empty turns CORS off', default: [] }),
  TRUST_PROXY: boolean({ description: 'Trust X-Forwarded-* headers (behind an ingress or load balancer)', default: false }),
  SHUTDOWN_DELAY: duration({ description: 'After SIGTERM, how long readiness fails before the server stops accepting (lets load balancers notice)', default: 0 }),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { description: 'Log level', default: 'info' }),
  ...telemetryConfigSpec('pulse-api'),
};

export type ApiConfig = ConfigOf<typeof apiConfigSpec>;

export function loadApiConfig(env: Readonly<Record<string, string | undefined>>): ApiConfig {
  const config = loadConfig(apiConfigSpec, env);
  const problems: string[] = [];
  if (config.DATABASE_URL === undefined && config.DB_HOST !== undefined) {
    if (config.DB_NAME === undefined) problems.push('DB_NAME is required when DB_HOST is set');
    if (config.DB_USER === undefined) problems.push('DB_USER is required when DB_HOST is set');
  }
  if (config.DB_CA_CERT_PATH !== undefined && config.DB_SSL !== 'require') problems.push('DB_CA_CERT_PATH needs DB_SSL=require');
  if (config.HEADERS_TIMEOUT > config.REQUEST_TIMEOUT) problems.push('HEADERS_TIMEOUT must not exceed REQUEST_TIMEOUT');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The PostgreSQL connection settings, or undefined for the embedded database. */
export function postgresConnection(config: ApiConfig): ClientConfig | undefined {
  const ssl = config.DB_SSL === 'require'
    ? { rejectUnauthorized: true, ...(config.DB_CA_CERT_PATH ? { ca: readFileSync(config.DB_CA_CERT_PATH, 'utf8') } : {}) }
    : undefined;
  if (config.DATABASE_URL !== undefined) return { connectionString: config.DATABASE_URL, ...(ssl ? { ssl } : {}) };
  if (config.DB_HOST === undefined) return undefined;
  return {
    host: config.DB_HOST,
    port: config.DB_PORT,
    database: config.DB_NAME,
    user: config.DB_USER,
    password: config.DB_PASSWORD,
    ...(ssl ? { ssl } : {}),
  };
}
