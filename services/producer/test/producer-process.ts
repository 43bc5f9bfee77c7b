import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import type { ListMessagesResponse, StoredMessage } from '@pulse/contract';
import { PULSE_BIN, REPOSITORY_ROOT } from '@pulse/test-support';

export interface LogLine {
  readonly msg: string;
  readonly level: string;
  readonly message_id?: string;
  readonly [key: string]: unknown;
}

export interface ProducerProcess {
  /** Resolves with the exit code, or the signal's name. */
  readonly exited: Promise<number | string>;
  stdout(): string;
  stderr(): string;
  logs(): LogLine[];
  /** Resolves once a log line passes the check. */
  waitForLog(check: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  signal(name: NodeJS.Signals): void;
}

/** Settings that keep tests fast: short backoff, a short retry budget. */
export const FAST_RETRIES = { RETRY_BASE_DELAY: '20ms', RETRY_MAX_DELAY: '100ms', RETRY_MAX_TIME: '1s', RETRY_MAX_ATTEMPTS: '4' };

const running = new Set<ChildProcess>();

/** Kills producers a failed test left running, so the test file still ends. */
export function killLeftoverProducers(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** `node bin/pulse.js producer` as its own process, as a CronJob or a Deployment runs it. */
export function spawnProducer(env: Record<string, string>): ProducerProcess {
  const child = spawn(process.execPath, [PULSE_BIN, 'producer'], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stdout = '';
  let stderr = '';
  const waiters = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    for (const waiter of waiters) waiter();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const logs = (): LogLine[] => stdout.split('\n').filter((line) => line.startsWith('{"level"')).map((line) => JSON.parse(line) as LogLine);
  return {
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    logs,
    signal: (name) => child.kill(name),
    waitForLog(check, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const look = (): void => {
          const found = logs().find(check);
          if (found) {
            waiters.delete(look);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no such log line within ${timeoutMs} ms; output:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        waiters.add(look);
        look();
      });
    },
  };
}

export async function runProducer(env: Record<string, string>): Promise<{ code: number | string; stdout: string; stderr: string; logs: LogLine[] }> {
  const producer = spawnProducer(env);
  const code = await producer.exited;
  return { code, stdout: producer.stdout(), stderr: producer.stderr(), logs: producer.logs() };
}

export async function tempSpool(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'pulse-producer-test-')), 'spool');
}

export async function spooledIds(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.json')).map((name) => name.slice(0, -'.json'.length));
}

/** Every stored message of the tenant, read back through the API page by page. */
export async function readAllMessages(apiUrl: string, key: string): Promise<StoredMessage[]> {
  const all: StoredMessage[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
    const response = await fetch(`${apiUrl}/api/messages?limit=1000${query}`, { headers: { authorization: `Bearer ${key}` } });
    if (response.status !== 200) throw new Error(`GET /api/messages: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as ListMessagesResponse;
    all.push(...page.messages);
    cursor = page.next_cursor;
  } while (cursor !== null);
  return all;
}

/** How many rows each message_id has. */
export function countById(messages: readonly StoredMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message.message_id, (counts.get(message.message_id) ?? 0) + 1);
  return counts;
}

/** A port nobody listens on (yet). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
