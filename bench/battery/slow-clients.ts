import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createTestDatabase } from '@pulse/test-support';
import { adminCreateTenant, startApi } from './api-runner.ts';
import { check, type BatteryTest } from './battery-types.ts';
import { sleep } from './ports.ts';

const SLOW = { ci: 200, full: 1000 };
const HEADERS_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 4000;
/** Node checks its timeouts once a second (app.ts); with 1,000 sockets on this client the close is seen up to ~2 s after that. */
const SLACK_MS = 3000;
const GIVE_UP_MS = 20_000;
const NORMAL_CLIENTS = 8;

interface Slow {
  socket: Socket;
  kind: 'headers' | 'body';
  opened: number;
  closedAfter?: number;
  answer: string;
}

/** Issue 8 test 5: slow headers and slow bodies on many connections while normal traffic runs. */
export const slowClientsTest: BatteryTest = {
  name: 'slow-clients',
  async run(context) {
    const database = await createTestDatabase('battery_slow');
    const logFile = join(context.workDir, 'slow-clients.log');
    context.secrets.addLogFile(logFile);
    const api = await startApi({ databaseUrl: database.url, logFile, env: { HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MS}ms`, REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MS}ms`, LOG_LEVEL: 'warn' } });
    const slow: Slow[] = [];
    let running = true;
    try {
      context.secrets.addSecret('admin token', api.adminToken);
      const { key } = await adminCreateTenant(api, 'slow');
      context.secrets.addSecret('api key', key);
      let normalOk = 0;
      let normalFailed = 0;
      const normal = async (c: number): Promise<void> => {
        for (let n = 0; running; n++) {
          const write = n % 2 === 0;
          const response = await fetch(`${api.url}/api/messages${write ? '' : '?limit=10'}`, {
            method: write ? 'POST' : 'GET',
            headers: { authorization: `Bearer ${key}`, ...(write ? { 'content-type': 'application/json' } : {}) },
            body: write ? JSON.stringify({ datetime: new Date().toISOString(), message_id: `n${c}-${n}`, source: 'normal' }) : undefined,
            signal: AbortSignal.timeout(10_000),
          }).catch(() => undefined);
          await response?.arrayBuffer().catch(() => undefined);
          if (response?.status === (write ? 201 : 200)) normalOk += 1;
          else normalFailed += 1;
        }
      };
      const load = Promise.all(Array.from({ length: NORMAL_CLIENTS }, (_, c) => normal(c)));
      const total = SLOW[context.size];
      for (let i = 0; i < total; i++) {
        const kind = i % 2 === 0 ? 'headers' : 'body';
        const entry: Slow = { socket: connect(api.port, '127.0.0.1'), kind, opened: Date.now(), answer: '' };
        entry.socket.on('error', () => undefined);
        entry.socket.on('data', (chunk: Buffer) => (entry.answer += chunk.toString('latin1')));
        entry.socket.on('close', () => (entry.closedAfter = Date.now() - entry.opened));
        entry.socket.write(kind === 'headers'
          ? 'POST /api/messages HTTP/1.1\r\nhost: 127.0.0.1\r\n'
          : `POST /api/messages HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n{"payload":"`);
        slow.push(entry);
        if (i % 100 === 99) await sleep(50);
      }
      context.note(`${total} slow connections open`);
      // One byte every 500 ms on every open slow connection: always active, never complete.
      const drip = setInterval(() => {
        for (const s of slow) if (s.closedAfter === undefined && !s.socket.destroyed) s.socket.write(s.kind === 'headers' ? 'x' : 'a');
      }, 500);
      const deadline = Date.now() + GIVE_UP_MS;
      while (slow.some((s) => s.closedAfter === undefined) && Date.now() < deadline) await sleep(200);
      clearInterval(drip);
      await sleep(1000);
      running = false;
      await load;
      const open = slow.filter((s) => s.closedAfter === undefined);
      const limit = (s: Slow): number => (s.kind === 'headers' ? HEADERS_TIMEOUT_MS : REQUEST_TIMEOUT_MS) + SLACK_MS;
      const late = slow.filter((s) => s.closedAfter !== undefined && s.closedAfter > limit(s));
      const early = slow.filter((s) => s.closedAfter !== undefined && s.closedAfter < (s.kind === 'headers' ? HEADERS_TIMEOUT_MS : REQUEST_TIMEOUT_MS) - 100);
      const with408 = slow.filter((s) => s.answer.startsWith('HTTP/1.1 408')).length;
      const cutMs = (kind: Slow['kind']): number => Math.max(0, ...slow.filter((s) => s.kind === kind && s.closedAfter !== undefined).map((s) => s.closedAfter!));
      const success = normalOk / Math.max(1, normalOk + normalFailed);
      return {
        figures: {
          slow_connections: total,
          cut: total - open.length,
          answered_408: with408,
          max_cut_headers_ms: cutMs('headers'),
          max_cut_body_ms: cutMs('body'),
          normal_requests: normalOk + normalFailed,
          normal_success_pct: success * 100,
          api_alive: api.child.exitCode === null,
        },
        checks: [
          check('every slow connection cut by the server', open.length === 0, `${open.length} still open after ${GIVE_UP_MS} ms`),
          check('cut by the timeouts, within a check interval', late.length === 0 && early.length === 0, `${late.length} late, ${early.length} early`),
          check('>= 99% of the normal requests succeed', success >= 0.99 && normalOk > 0, `${normalOk} of ${normalOk + normalFailed}`),
          check('the API survived', api.child.exitCode === null, api.tail().slice(-500)),
        ],
      };
    } finally {
      running = false;
      for (const s of slow) s.socket.destroy();
      await api.stop();
      await database.drop();
    }
  },
};
