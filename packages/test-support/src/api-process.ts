import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const PULSE_BIN = `${REPOSITORY_ROOT}bin/pulse.js`;

export interface ApiProcess {
  readonly url: string;
  readonly adminToken: string;
  readonly child: ChildProcess;
  /** Everything the process wrote, for assertions on logs. */
  readonly output: () => string;
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash. */
  kill(): Promise<void>;
}

/**
 * Runs `pulse api` as its own process on a free port, as a container would,
 * and resolves once it listens.
 */
export async function startApiProcess(options: { databaseUrl: string; env?: Record<string, string> }): Promise<ApiProcess> {
  const adminToken = options.env?.ADMIN_TOKEN ?? randomBytes(24).toString('hex');
  const child = spawn(process.execPath, [PULSE_BIN, 'api'], {
    cwd: REPOSITORY_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: options.databaseUrl,
      ADMIN_TOKEN: adminToken,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /"url":"(http:\/\/[^"]+)","database"/.exec(output);
      if (match) resolve(match[1]!);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    void exited.then((code) => reject(new Error(`pulse api exited with ${code} before listening:\n${output}`)));
    setTimeout(() => reject(new Error(`pulse api did not start within 30 s:\n${output}`)), 30_000).unref();
  });
  return {
    url,
    adminToken,
    child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Creates a tenant through the admin API and returns its first key (ingest and read). */
export async function createTenant(api: Pick<ApiProcess, 'url' | 'adminToken'>, id: string, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await fetch(`${api.url}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${api.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id, ...extra }),
  });
  if (response.status !== 201) throw new Error(`creating tenant ${id}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { api_key: { key: string } };
  return body.api_key.key;
}
