import { pino, type Logger, type LoggerOptions, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

/** Paths that may hold a secret anywhere Pulse logs an object. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers["x-api-key"]',
  'apiKey',
  'api_key',
  'key',
  'token',
  'password',
  '*.apiKey',
  '*.api_key',
  '*.key',
  '*.token',
  '*.password',
];

export interface LoggerSettings {
  service: string;
  level?: string;
  destination?: DestinationStream;
  /** Fields added to every line, computed when it is written (the active trace id, say). */
  mixin?: () => object;
}

/** JSON logs on stdout with the service name; secrets are redacted by path. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { service: settings.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    ...(settings.mixin ? { mixin: settings.mixin } : {}),
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
