import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { PULSE_BIN, REPOSITORY_ROOT } from '@pulse/test-support';
import { freePort } from '@pulse/test-support';
import { sleep } from './ports.ts';

export interface RunningApi {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly child: ChildProcess;
  /** The last 50 kB the process wrote. */
  tail(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<number | null>;
  kill(): Promise<void>;
}

export interface ApiOptions {
  databaseUrl: string;
  /** Every line the process writes is appended here, for the secrets scan. */
  logFile: string;
  port?: number;
  adminToken?: string;
  env?: Record<string, string>;
  /** How long to wait for /readyz to answer 200. */
  readyWithinMs?: number;
}

/**
 * `pulse api` as a real process on a port chosen by the caller, so a restarted
 * process comes back at the same address after a SIGKILL.
 */
export async function startApi(options: ApiOptions): Promise<RunningApi> {
  const port = options.port ?? (await freePort());
  const adminToken = options.adminToken ?? randomBytes(24).toString('hex');
  const child = spawn(process.execPath, [PULSE_BIN, 'api'], {
    cwd: REPOSITORY_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: options.databaseUrl,
      ADMIN_TOKEN: adminToken,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '100000000',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const record = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    appendFileSync(options.logFile, text);
    tail = (tail + text).slice(-50_000);
  };
  child.stdout!.on('data', record);
  child.stderr!.on('data', record);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`pulse api exited with ${exitCode} before it was ready:\n${tail}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pulse api was not ready in time:\n${tail}`);
    }
    const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status === 200, () => false);
    if (ready) break;
    await sleep(100);
  }
  return {
    url,
    port,
    adminToken,
    child,
    tail: () => tail,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Creates a tenant through the admin API; returns its first key (ingest and read) and the key's id. */
export async function adminCreateTenant(api: Pick<RunningApi, 'url' | 'adminToken'>, id: string, extra: Record<string, unknown> = {}): Promise<{ key: string; keyId: string }> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${api.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, ...extra }),
    });
    if (response.status === 201) {
      const body = (await response.json()) as { api_key: { key: string; id: string } };
      return { key: body.api_key.key, keyId: body.api_key.id };
    }
    if (response.status < 500 || attempt >= 20) throw new Error(`creating tenant ${id}: ${response.status} ${await response.text()}`);
    await sleep(250);
  }
}

export async function adminCreateKey(api: Pick<RunningApi, 'url' | 'adminToken'>, tenant: string, scopes: string[]): Promise<{ key: string; keyId: string }> {
  const response = await fetch(`${api.url}/admin/tenants/${tenant}/keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scopes }),
  });
  if (response.status !== 201) throw new Error(`creating key for ${tenant}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { key: string; id: string };
  return { key: body.key, keyId: body.id };
}

/**
 * Starts the API the way an orchestrator would: a process that exits during
 * start-up (its database briefly unreachable mid-migration) is started again.
 */
export async function startApiRestarting(options: ApiOptions, attempts = 10): Promise<{ api: RunningApi; failedStarts: number }> {
  for (let failedStarts = 0; ; failedStarts++) {
    try {
      return { api: await startApi(options), failedStarts };
    } catch (error) {
      if (failedStarts + 1 >= attempts) throw error;
      await sleep(500);
    }
  }
}
