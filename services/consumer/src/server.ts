import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '@pulse/logger';
import { EMPTY_POLICY, loadAccessPolicy } from './access-policy.ts';
import { ApiClient } from './api-client.ts';
import { buildConsumerApp } from './app.ts';
import { loadAssets } from './assets.ts';
import type { ConsumerConfig } from './config.ts';
import { githubProvider, oidcProvider, type OAuthProvider } from './oauth-providers.ts';
import { SignInLinks } from './sign-in-links.ts';
import { memoryStore, redisStore } from './stores/key-value-store.ts';

export interface ConsumerServer {
  readonly url: string;
  readonly app: FastifyInstance;
  /** A one-time link (15 minutes) that signs a browser in with this read key's tenant. */
  createSignInLink(readKey: string): Promise<string>;
  stop(): Promise<void>;
}

function providersOf(config: ConsumerConfig): OAuthProvider[] {
  const providers: OAuthProvider[] = [];
  const publicUrl = config.PUBLIC_URL;
  if (publicUrl === undefined) return providers;
  if (config.GITHUB_CLIENT_ID !== undefined && config.GITHUB_CLIENT_SECRET !== undefined) {
    providers.push(githubProvider({ clientId: config.GITHUB_CLIENT_ID, clientSecret: config.GITHUB_CLIENT_SECRET, publicUrl }));
  }
  if (config.OIDC_ISSUER !== undefined && config.OIDC_CLIENT_ID !== undefined) {
    providers.push(
      oidcProvider({ issuer: config.OIDC_ISSUER, clientId: config.OIDC_CLIENT_ID, clientSecret: config.OIDC_CLIENT_SECRET, scopes: config.OIDC_SCOPES, label: config.OIDC_LABEL, publicUrl }),
    );
  }
  return providers;
}

/** Builds the dashboard from its configuration and listens; what `pulse consumer` and the demo run. */
export async function startConsumer(options: { config: ConsumerConfig; logger?: Logger; streamMaxMs?: number }): Promise<ConsumerServer> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ service: 'consumer', level: config.LOG_LEVEL });
  const policy = config.ACCESS_FILE === undefined ? EMPTY_POLICY : loadAccessPolicy(config.ACCESS_FILE);
  const store = config.REDIS_URL === undefined ? memoryStore() : await redisStore(config.REDIS_URL);
  if (store.kind === 'memory') logger.info('sessions are kept in memory: run one replica, or set REDIS_URL to share them');
  const api = new ApiClient(config.API_BASE_URL);
  const links = new SignInLinks(store);
  let app: FastifyInstance;
  try {
    app = await buildConsumerApp({
      api,
      assets: await loadAssets(),
      store,
      links,
      policy,
      providers: providersOf(config),
      // Without a configured secret, sessions last as long as this process, which is all one replica needs.
      sessionSecret: config.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
      sessionTtlMs: config.SESSION_TTL,
      cookieSecure: config.COOKIE_SECURE === 'auto' ? 'auto' : config.COOKIE_SECURE === 'true',
      trustProxy: config.TRUST_PROXY,
      tenantName: config.TENANT_NAME,
      publicUrl: config.PUBLIC_URL,
      logger,
      streamMaxMs: options.streamMaxMs,
    });
    await app.listen({ port: config.CONSUMER_PORT, host: config.CONSUMER_HOST });
  } catch (error) {
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.CONSUMER_PORT;
  const host = config.CONSUMER_HOST === '0.0.0.0' || config.CONSUMER_HOST === '::' ? 'localhost' : config.CONSUMER_HOST;
  const url = `http://${host}:${port}`;
  return {
    url,
    app,
    async createSignInLink(readKey) {
      const tenant = await api.tenant(readKey);
      const token = await links.create({ tenant: { id: tenant.tenantId, name: tenant.name }, key: readKey });
      return `${config.PUBLIC_URL ?? url}/login/link?token=${token}`;
    },
    async stop() {
      await app.close();
      await store.close();
    },
  };
}
