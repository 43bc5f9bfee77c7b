import { ConfigError, boolean, duration, list, loadConfig, oneOf, optional, port, string, url, type ConfigOf } from '@pulse/config';
import { telemetryConfigSpec } from '@pulse/telemetry';

export const consumerConfigSpec = {
  CONSUMER_PORT: port({ description: 'Port the dashboard listens on (3001 under npm start)', default: 3000 }),
  CONSUMER_HOST: string({ description: 'Address the dashboard binds to', default: '0.0.0.0' }),
  API_BASE_URL: url({ description: 'Base URL of the Pulse API the dashboard reads from', default: 'http://api-service:80' }),
  TENANT_NAME: optional(string({ description: 'Restrict this dashboard to one tenant id (a one-tenant dashboard); other tenants cannot sign in' })),
  PUBLIC_URL: optional(url({ description: 'Address browsers use to reach the dashboard; required for OIDC/GitHub sign-in (redirect URIs PUBLIC_URL/auth/oidc/callback and PUBLIC_URL/auth/github/callback)' })),
  SESSION_SECRET: optional(string({ description: 'Signs session cookies; at least 32 characters. Required with REDIS_URL (replicas must share it); unset otherwise means a random one per process', secret: true, pattern: /^.{32,}$/s })),
  SESSION_TTL: duration({ description: 'How long a session lasts after sign-in', default: 8 * 3_600_000, minMs: 60_000 }),
  REDIS_URL: optional(url({ description: 'Redis for sessions and sign-in links shared by several replicas; unset keeps them in memory (one replica only)', protocols: ['redis:', 'rediss:'], secret: true })),
  COOKIE_SECURE: oneOf(['auto', 'true', 'false'] as const, { description: '"auto" marks cookies Secure when the request came over TLS (X-Forwarded-Proto counts with TRUST_PROXY)', default: 'auto' }),
  TRUST_PROXY: boolean({ description: 'Trust X-Forwarded-* headers (behind an ingress or load balancer that terminates TLS)', default: false }),
  ACCESS_FILE: optional(string({ description: 'JSON file mapping signed-in users to tenants and naming each tenant\'s read key (see README); needed for OIDC/GitHub sign-in' })),
  OIDC_ISSUER: optional(url({ description: 'OpenID Connect issuer (discovery at /.well-known/openid-configuration); http only for localhost' })),
  OIDC_CLIENT_ID: optional(string({ description: 'OIDC client id' })),
  OIDC_CLIENT_SECRET: optional(string({ description: 'OIDC client secret (unset for a public client using PKCE only)', secret: true })),
  OIDC_SCOPES: list({ description: 'Scopes requested from the OIDC issuer', default: ['openid', 'email', 'profile'] }),
  OIDC_LABEL: string({ description: 'Name of the OIDC provider on the sign-in button', default: 'single sign-on' }),
  GITHUB_CLIENT_ID: optional(string({ description: 'GitHub OAuth app client id (the GitHub preset)' })),
  GITHUB_CLIENT_SECRET: optional(string({ description: 'GitHub OAuth app client secret', secret: true })),
  LOG_LEVEL: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, { description: 'Log level', default: 'info' }),
  ...telemetryConfigSpec('pulse-dashboard'),
};

export type ConsumerConfig = ConfigOf<typeof consumerConfigSpec>;

/** Parses the environment and checks the variables that only make sense together. */
export function loadConsumerConfig(env: Readonly<Record<string, string | undefined>>): ConsumerConfig {
  const config = loadConfig(consumerConfigSpec, env);
  const problems: string[] = [];
  if (config.REDIS_URL !== undefined && config.SESSION_SECRET === undefined) {
    problems.push('SESSION_SECRET is required with REDIS_URL: every replica must sign cookies with the same secret');
  }
  const oidc = config.OIDC_ISSUER !== undefined || config.OIDC_CLIENT_ID !== undefined;
  if (oidc && (config.OIDC_ISSUER === undefined || config.OIDC_CLIENT_ID === undefined)) problems.push('OIDC_ISSUER and OIDC_CLIENT_ID go together');
  const github = config.GITHUB_CLIENT_ID !== undefined || config.GITHUB_CLIENT_SECRET !== undefined;
  if (github && (config.GITHUB_CLIENT_ID === undefined || config.GITHUB_CLIENT_SECRET === undefined)) problems.push('GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET go together');
  if ((oidc || github) && config.PUBLIC_URL === undefined) problems.push('PUBLIC_URL is required for OIDC/GitHub sign-in (it makes the redirect URI)');
  if ((oidc || github) && config.ACCESS_FILE === undefined) problems.push('ACCESS_FILE is required for OIDC/GitHub sign-in: signing in grants nothing without an allow-list');
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
