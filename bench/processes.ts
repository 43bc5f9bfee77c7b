import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { freePort, PULSE_BIN, REPOSITORY_ROOT } from '@pulse/test-support';

export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly output: () => string;
  stop(): Promise<void>;
}

export interface ApiServer extends ServerProcess {
  readonly adminToken: string;
}

/** Requests per minute per tenant high enough that the bench measures the write path, not the limiter. */
const BENCH_RATE_LIMIT = '1000000000';


function track(child: ChildProcess): { output: () => string; exited: Promise<number | null> } {
  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { output: () => output, exited };
}

function stopper(child: ChildProcess, exited: Promise<number | null>): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
}

/**
 * `pulse api` as its own process (its own core, as in production), logging at
 * warn so request logs do not dominate what is measured. It is ready once /readyz says so.
 */
export async function startApi(options: { databaseUrl?: string; dataDir?: string; env?: Record<string, string>; nodeArgs?: string[] }): Promise<ApiServer> {
  const port = await freePort();
  const adminToken = randomBytes(24).toString('hex');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), PULSE_BIN, 'api'], {
    cwd: REPOSITORY_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: BENCH_RATE_LIMIT,
      ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      ...(options.dataDir ? { PULSE_DATA_DIR: options.dataDir } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, exited } = track(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  for (;;) {
    if (exitCode !== undefined) throw new Error(`pulse api exited with ${exitCode} before it was ready:\n${output()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pulse api was not ready within 60 s:\n${output()}`);
    }
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { url, pid: child.pid!, adminToken, output, stop: stopper(child, exited) };
}

/** One of the bench's comparison servers; it prints {"url": ...} once it listens. */
export async function startServerScript(script: URL, env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script.pathname], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { output, exited } = track(child);
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const match = /\{"url":"(http:\/\/[^"]+)"\}/.exec(output());
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    void exited.then((code) => reject(new Error(`${script.pathname} exited with ${code}:\n${output()}`)));
  });
  return { url, pid: child.pid!, output, stop: stopper(child, exited) };
}

/** Resident set of a process, now and at its peak, in MiB (Linux /proc). */
export function residentMemory(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}
