import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, duration, integer, loadConfig, oneOf, optional, port, string, url, type ConfigOf, type Variable } from '@pulse/config';
import { BATCH_MAX_MESSAGES, ENVIRONMENT_PATTERN, SOURCE_MAX_LENGTH } from '@pulse/contract';
import { telemetryConfigSpec } from '@pulse/telemetry';
import { parsePayloadSpec, type PayloadSpec } from './payload-source.ts';
import { DEFAULT_CANARY, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY, DEFAULT_SPOOL_BATCH_SIZE, DEFAULT_SPOOL_MAX, type ProducerSettings } from './settings.ts';

const environmentPattern = new RegExp(ENVIRONMENT_PATTERN);

const environments: Variable<string[]> = {
  description: 'Environment of the messages; a comma-separated list sends one message per environment each time',
  fallback: { value: ['prod'] },
  secret: false,
  parse(raw) {
    const names = raw.split(',').map((name) => name.trim());
    const bad = names.filter((name) => !environmentPattern.test(name));
    if (bad.length > 0) throw new Error(`has invalid environment name(s) ${bad.map((n) => JSON.stringify(n)).join(', ')}: each must match ${ENVIRONMENT_PATTERN}`);
    return [...new Set(names)];
  },
};

const payload: Variable<PayloadSpec> = {
  description: 'Message payload: none, sensor (simulated temperature, humidity and a counter), or a JSON object template whose "{{temperature}}", "{{humidity}}", "{{counter}}", "{{datetime}}", "{{environment}}" and "{{source}}" strings are filled in',
  fallback: { value: { kind: 'none' } },
  secret: false,
  parse: parsePayloadSpec,
};

/** Tracing's variables, also read alone by main.ts once the whole spec has been checked. */
export const producerTelemetrySpec = telemetryConfigSpec('pulse-producer');

export const producerConfigSpec = {
  API_URL: url({ description: 'Base URL of the Pulse API (the original\'s setting)', default: 'http://api-service:80' }),
  API_KEY: optional(string({ description: 'Tenant API key with the ingest scope; set this or API_KEY_FILE, not both', secret: true })),
  API_KEY_FILE: optional(string({ description: 'File holding the tenant API key (a mounted secret); set this or API_KEY, not both' })),
  ENVIRONMENT: environments,
  SOURCE: optional(string({ description: 'Name of this producer, stored with each message (default: the host name)', maxLength: SOURCE_MAX_LENGTH })),
  MODE: oneOf(['once', 'interval', 'load', 'canary'] as const, { description: 'once: deliver the spool, send one message per environment, exit; interval: send every INTERVAL until SIGTERM; load: a benchmark; canary: write and read back canary messages until SIGTERM', default: 'once' }),
  INTERVAL: duration({ description: 'Time between messages in interval mode, such as 2s', default: 60_000, minMs: 10 }),
  PAYLOAD: payload,
  SPOOL_DIR: string({ description: 'Folder of the durable spool (one file per undelivered message); must survive restarts', default: '.pulse-data/producer-spool' }),
  SPOOL_MAX: integer({ description: 'Most messages the spool holds; when full, a new message is still sent but is lost if not delivered, with an error logged', default: DEFAULT_SPOOL_MAX, min: 1 }),
  SPOOL_BATCH_SIZE: integer({ description: 'Spooled messages sent per batch request', default: DEFAULT_SPOOL_BATCH_SIZE, min: 1, max: BATCH_MAX_MESSAGES }),
  RETRY_MAX_ATTEMPTS: integer({ description: 'Attempts per request, the first included', default: DEFAULT_RETRY.maxAttempts, min: 1, max: 100 }),
  RETRY_MAX_TIME: duration({ description: 'Total time one request may spend retrying before its messages stay spooled', default: DEFAULT_RETRY.maxTimeMs }),
  RETRY_BASE_DELAY: duration({ description: 'First backoff step; each retry doubles it, with full jitter', default: DEFAULT_RETRY.baseDelayMs, minMs: 1 }),
  RETRY_MAX_DELAY: duration({ description: 'Cap on one backoff step (a Retry-After from the API is honoured even when longer)', default: DEFAULT_RETRY.maxDelayMs, minMs: 1 }),
  REQUEST_TIMEOUT: duration({ description: 'How long one HTTP request may take', default: DEFAULT_REQUEST_TIMEOUT_MS, minMs: 10 }),
  LOAD_COUNT: integer({ description: 'Load mode: messages to send', default: 1000, min: 1, max: 10_000_000 }),
  LOAD_CONCURRENCY: integer({ description: 'Load mode: requests in flight at once', default: 10, min: 1, max: 1000 }),
  LOAD_RATE: integer({ description: 'Load mode: messages per second; 0 for as fast as the concurrency allows', default: 0, min: 0 }),
  LOAD_ENDPOINT: oneOf(['single', 'batch'] as const, { description: 'Load mode: POST /api/messages per message, or POST /api/messages/batch', default: 'single' }),
  LOAD_BATCH_SIZE: integer({ description: 'Load mode with the batch endpoint: messages per request', default: 100, min: 1, max: BATCH_MAX_MESSAGES }),
  CANARY_INTERVAL: duration({ description: 'Canary mode: time between canary messages', default: DEFAULT_CANARY.intervalMs, minMs: 10 }),
  CANARY_TIMEOUT: duration({ description: 'Canary mode: a message not read back on a path (stream, query) within this time counts as lost there', default: DEFAULT_CANARY.timeoutMs, minMs: 10 }),
  CANARY_ENVIRONMENT: string({ description: 'Canary mode: environment of the canary messages, kept apart from real data', default: DEFAULT_CANARY.environment, pattern: environmentPattern }),
  METRICS_PORT: optional(port({ description: 'Port of the Prometheus /metrics endpoint in interval, load and canary modes (default: unset, no endpoint)' })),
  PUSHGATEWAY_URL: optional(url({ description: 'Once mode: Prometheus Pushgateway that receives the run\'s metrics at exit (default: unset, no push)' })),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { description: 'Log level', default: 'info' }),
  ...producerTelemetrySpec,
};

export type ProducerEnvConfig = ConfigOf<typeof producerConfigSpec>;

function readKey(env: Readonly<Record<string, string | undefined>>, problems: string[]): string {
  const inline = env.API_KEY || undefined;
  const file = env.API_KEY_FILE || undefined;
  if (inline !== undefined && file !== undefined) problems.push('API_KEY and API_KEY_FILE are both set: set only one');
  if (inline === undefined && file === undefined) problems.push('API_KEY or API_KEY_FILE is required: the tenant API key with the ingest scope');
  if (file === undefined) return inline ?? '';
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key === '') problems.push(`API_KEY_FILE=${JSON.stringify(file)} is empty`);
    return key;
  } catch (error) {
    problems.push(`API_KEY_FILE=${JSON.stringify(file)} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return '';
  }
}

/** Reads the producer's environment, failing with every bad variable named at once. */
export function loadProducerConfig(env: Readonly<Record<string, string | undefined>>): { settings: ProducerSettings; logLevel: ProducerEnvConfig['LOG_LEVEL']; metricsPort: number | undefined; pushgatewayUrl: string | undefined } {
  const problems: string[] = [];
  let config: ProducerEnvConfig | undefined;
  try {
    config = loadConfig(producerConfigSpec, env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  const apiKey = readKey(env, problems);
  if (config && config.RETRY_MAX_DELAY < config.RETRY_BASE_DELAY) problems.push('RETRY_MAX_DELAY must be at least RETRY_BASE_DELAY');
  if (problems.length > 0 || config === undefined) throw new ConfigError([...new Set(problems)]);
  const settings: ProducerSettings = {
    apiUrl: config.API_URL,
    apiKey,
    environments: config.ENVIRONMENT,
    source: config.SOURCE ?? hostname().slice(0, SOURCE_MAX_LENGTH),
    mode: config.MODE,
    intervalMs: config.INTERVAL,
    payload: config.PAYLOAD,
    spoolDir: config.SPOOL_DIR,
    spoolMax: config.SPOOL_MAX,
    spoolBatchSize: config.SPOOL_BATCH_SIZE,
    retry: { maxAttempts: config.RETRY_MAX_ATTEMPTS, maxTimeMs: config.RETRY_MAX_TIME, baseDelayMs: config.RETRY_BASE_DELAY, maxDelayMs: config.RETRY_MAX_DELAY },
    requestTimeoutMs: config.REQUEST_TIMEOUT,
    load: { count: config.LOAD_COUNT, concurrency: config.LOAD_CONCURRENCY, rate: config.LOAD_RATE, endpoint: config.LOAD_ENDPOINT, batchSize: config.LOAD_BATCH_SIZE },
    canary: { intervalMs: config.CANARY_INTERVAL, timeoutMs: config.CANARY_TIMEOUT, environment: config.CANARY_ENVIRONMENT },
  };
  return { settings: Object.freeze(settings), logLevel: config.LOG_LEVEL, metricsPort: config.METRICS_PORT, pushgatewayUrl: config.PUSHGATEWAY_URL };
}
