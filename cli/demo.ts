import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createLogger } from '@pulse/logger';
import { loadApiConfig, startApiServer, type ApiServer } from '@pulse/api';
import { startProducer } from '@pulse/producer';
import { loadConsumerConfig, startConsumer } from '@pulse/consumer';
import type { Env } from './main.ts';

const DEMO_TENANT = 'demo';

async function readSavedKey(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A demo key for a local run: created with the demo tenant on the first run and
 * kept (mode 0600) in the data folder so later runs can print it again.
 */
async function ensureDemoKey(server: ApiServer, dataDir: string): Promise<string> {
  const file = join(dataDir, 'demo-key');
  const tenants = server.services.tenants;
  let key = (await tenants.get(DEMO_TENANT)) ? await readSavedKey(file) : undefined;
  if (key !== undefined) {
    const id = /^pulse_([0-9a-f]{16})_/.exec(key)?.[1];
    if (!id || !(await tenants.findKey(id))) key = undefined;
  }
  if (key === undefined) {
    key = (await tenants.get(DEMO_TENANT))
      ? (await tenants.createKey(DEMO_TENANT, ['ingest', 'read']))!.key
      : (await tenants.create({ id: DEMO_TENANT, name: 'Demo' })).apiKey.key;
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    await chmod(file, 0o600);
  }
  return key;
}

export async function startDemo(env: Env): Promise<void> {
  const config = loadApiConfig(env);
  const logger = createLogger({ service: 'api', level: env.LOG_LEVEL === undefined ? 'warn' : config.LOG_LEVEL });
  const server = await startApiServer(config, logger);
  const key = await ensureDemoKey(server, resolve(config.PULSE_DATA_DIR));
  const url = server.url;
  const producer = startProducer({
    apiUrl: url,
    apiKey: key,
    environments: ['prod', 'test'],
    intervalMs: 2000,
    source: 'demo-producer',
    spoolDir: join(resolve(config.PULSE_DATA_DIR), 'producer-spool'),
  });
  const dashboard = await startConsumer({
    config: loadConsumerConfig({ CONSUMER_PORT: '3001', LOG_LEVEL: 'warn', ...env, API_BASE_URL: url }),
  });
  const signInLink = await dashboard.createSignInLink(key);
  process.stdout.write(
    [
      '',
      `Pulse is running (${server.db.kind === 'embedded' ? `embedded database in ${resolve(config.PULSE_DATA_DIR)}` : 'PostgreSQL'}).`,
      '',
      `  API       ${url}`,
      `  Tenant    ${DEMO_TENANT}`,
      `  API key   ${key}`,
      '  Producer  demo-producer sends a message to prod and test every 2 s',
      `  Dashboard ${dashboard.url}`,
      '',
      'Open the dashboard (this one-time link signs you in; it works once, for 15 minutes):',
      `  ${signInLink}`,
      '',
      'Try it:',
      `  curl -s -X POST ${url}/api/messages -H "Authorization: Bearer ${key}" -H 'content-type: application/json' -d '{"datetime":"2026-01-31T12:00:00Z","environment":"test"}'`,
      `  curl -s ${url}/api/messages -H "Authorization: Bearer ${key}"`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(1), 10_000).unref();
    producer
      .stop()
      .then(() => dashboard.stop())
      .then(() => server.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
