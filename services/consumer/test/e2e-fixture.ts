import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTenant, createTestDatabase, startApiProcess } from '@pulse/test-support';
import { loadConsumerConfig, startConsumer, type ConsumerServer } from '../src/index.ts';
import { postMessage, readKey } from './http-session.ts';
import { startTestIssuer, type TestIssuer } from './oidc-issuer.ts';

export const XSS_SOURCE = '<img src=x onerror="window.__xss=1;alert(1)">';
export const XSS_PAYLOAD = { html: '<script>window.__xss=2;alert(2)</script>' };

export interface E2eWorld {
  api: { url: string };
  dashboard: ConsumerServer;
  issuer: TestIssuer;
  /** Ingest+read keys, for posting; the dashboard signs in with them as a user would. */
  keyA: string;
  keyB: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The browser tests' world: a real API process with tenants A (130 three-hour-old
 * "seed" messages, six recent "sensor-1" ones over prod/staging, one XSS attempt)
 * and B (one "tenant-b-secret"), an OIDC issuer, and a dashboard whose allow-list
 * maps alice to A, bob (by e-mail) to B and dave to both. Relayed streams end
 * every 1.5 s so reconnects happen during the tests.
 */
export async function startE2eWorld(): Promise<E2eWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'pulse-e2e-'));
  const db = await createTestDatabase('consumer_e2e');
  const api = await startApiProcess({ databaseUrl: db.url });
  const keyA = await createTenant(api, 'tenant-a', { name: 'Acme' });
  const keyB = await createTenant(api, 'tenant-b', { name: 'Beta' });
  await writeFile(join(dir, 'b.key'), `${await readKey(api, 'tenant-b')}\n`);
  const users = { 'oidc:alice': ['tenant-a'], 'email:bob@example.test': ['tenant-b'], 'oidc:dave': ['tenant-a', 'tenant-b'] };
  await writeFile(join(dir, 'access.json'), JSON.stringify({ users, tenants: { 'tenant-a': { read_key: await readKey(api, 'tenant-a') }, 'tenant-b': { read_key_file: 'b.key' } } }));

  const old = Date.now() - 3 * 3_600_000;
  const batch = Array.from({ length: 130 }, (_, i) => ({ datetime: new Date(old + i * 1000).toISOString(), environment: i % 3 === 0 ? 'test' : 'prod', source: 'seed', payload: { i } }));
  const seeded = await fetch(`${api.url}/api/messages/batch`, { method: 'POST', headers: { authorization: `Bearer ${keyA}`, 'content-type': 'application/json' }, body: JSON.stringify({ messages: batch }) });
  if (seeded.status !== 200) throw new Error(`seeding: ${seeded.status}`);
  for (let i = 0; i < 6; i++) {
    await postMessage(api, keyA, { datetime: new Date(Date.now() - i * 20_000).toISOString(), environment: i % 2 ? 'staging' : 'prod', source: 'sensor-1', payload: { temperature: 20 + i } });
  }
  await postMessage(api, keyA, { datetime: new Date().toISOString(), environment: 'prod', source: XSS_SOURCE, payload: XSS_PAYLOAD });
  await postMessage(api, keyB, { datetime: new Date().toISOString(), environment: 'beta-only', source: 'tenant-b-secret' });

  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const issuer = await startTestIssuer(`${publicUrl}/auth/oidc/callback`);
  const config = loadConsumerConfig({
    API_BASE_URL: api.url,
    CONSUMER_PORT: String(port),
    CONSUMER_HOST: '127.0.0.1',
    PUBLIC_URL: publicUrl,
    OIDC_ISSUER: issuer.url,
    OIDC_CLIENT_ID: issuer.clientId,
    OIDC_CLIENT_SECRET: issuer.clientSecret,
    OIDC_LABEL: 'Test IdP',
    ACCESS_FILE: join(dir, 'access.json'),
    LOG_LEVEL: 'silent',
  });
  const dashboard = await startConsumer({ config, streamMaxMs: 1500 });
  return {
    api,
    dashboard,
    issuer,
    keyA,
    keyB,
    async stop() {
      await dashboard.stop();
      await issuer.stop();
      await api.stop();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
