import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTenant, createTestDatabase, startApiProcess, type ApiProcess, type TestDatabase } from '@pulse/test-support';
import { startProxy } from './forwarding-proxy.ts';
import { FAST_RETRIES, killLeftoverProducers, countById, freePort, readAllMessages, runProducer, spawnProducer, spooledIds, tempSpool, type LogLine } from './producer-process.ts';

const idsOf = (logs: readonly LogLine[], msg: string): string[] => logs.filter((line) => line.msg === msg).map((line) => line.message_id!);

/** Every id the API holds, each exactly once, equals `expected`. */
function assertExactlyOnce(stored: Awaited<ReturnType<typeof readAllMessages>>, expected: ReadonlySet<string>): void {
  const counts = countById(stored);
  const doubled = [...counts].filter(([, n]) => n > 1);
  assert.deepEqual(doubled, [], 'no message stored twice');
  assert.deepEqual([...counts.keys()].sort(), [...expected].sort(), 'every message stored');
}

describe('producer spool against the real API', () => {
  let db: TestDatabase;
  let api: ApiProcess;
  let port: number;

  before(async () => {
    db = await createTestDatabase('producer_spool');
    port = await freePort();
    api = await startApiProcess({ databaseUrl: db.url, env: { PORT: String(port) } });
  });
  after(async () => {
    killLeftoverProducers();
    await api?.stop();
    await db?.drop();
  });

  test('API down for a while, then up: messages are spooled, then delivered oldest first, exactly once', async () => {
    const key = await createTenant(api, 'outage');
    const spool = await tempSpool();
    const settings = { API_URL: `http://127.0.0.1:${port}`, API_KEY: key, SPOOL_DIR: spool, ...FAST_RETRIES };
    await api.stop();

    const runs = [await runProducer(settings), await runProducer(settings)];
    for (const run of runs) assert.equal(run.code, 1, 'messages remain spooled: exit 1');
    const early = runs.flatMap((run) => idsOf(run.logs, 'message created and spooled'));
    assert.deepEqual(await spooledIds(spool), early);

    const producer = spawnProducer({ ...settings, MODE: 'interval', INTERVAL: '200ms' });
    await producer.waitForLog((line) => line.msg === 'API unreachable; spooled messages stay for the next attempt');
    api = await startApiProcess({ databaseUrl: db.url, env: { PORT: String(port), ADMIN_TOKEN: api.adminToken } });
    for (const id of early) await producer.waitForLog((line) => line.msg === 'message delivered' && line.message_id === id);
    await producer.waitForLog((line) => line.msg === 'message delivered' && line.via === undefined);
    producer.signal('SIGTERM');
    assert.equal(await producer.exited, 0, 'a clean stop exits 0');

    const delivered = idsOf(producer.logs(), 'message delivered');
    assert.deepEqual(delivered.slice(0, 2), early, 'the spool goes first, oldest first');
    // A stop may abort a request the API already committed; that message stays spooled and the next run replays it.
    const next = await runProducer(settings);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    assert.deepEqual(await spooledIds(spool), []);
    const created = [...early, ...idsOf(producer.logs(), 'message created and spooled'), ...idsOf(next.logs, 'message created and spooled')];
    assertExactlyOnce(await readAllMessages(api.url, key), new Set(created));
  });

  test('SIGKILL while a delivery is in flight, then a restart: every message exactly once', async () => {
    const key = await createTenant(api, 'crash');
    const spool = await tempSpool();
    let held: (() => void) | undefined;
    const answeredButHeld = new Promise<void>((resolve) => (held = resolve));
    const proxy = await startProxy(api.url, (request) => (request.index < 4 ? 'forward' : request.index === 4 ? { held: held! } : 'forward'));
    try {
      const producer = spawnProducer({ API_URL: proxy.url, API_KEY: key, SPOOL_DIR: spool, MODE: 'interval', INTERVAL: '50ms', ENVIRONMENT: 'prod,test', ...FAST_RETRIES });
      await answeredButHeld;
      // Let the timer keep spooling while the answer is held, so there is a backlog too.
      await producer.waitForLog((line) => line.msg === 'message created and spooled' && (producer.logs().filter((l) => l.msg === 'message created and spooled').length >= 12));
      producer.signal('SIGKILL');
      assert.equal(await producer.exited, 'SIGKILL');
      const heldBody = JSON.parse(proxy.requests[4]!.body) as { message_id?: string; messages?: { message_id: string }[] };
      const heldIds = heldBody.messages?.map((m) => m.message_id) ?? [heldBody.message_id!];

      const restart = await runProducer({ API_URL: api.url, API_KEY: key, SPOOL_DIR: spool, ENVIRONMENT: 'prod,test', ...FAST_RETRIES });
      assert.equal(restart.code, 0, restart.stdout + restart.stderr);
      assert.deepEqual(await spooledIds(spool), []);
      const replays = restart.logs.filter((line) => line.msg === 'message delivered' && heldIds.includes(line.message_id!));
      assert.deepEqual(replays.map((line) => line.status), heldIds.map(() => 'duplicate'), 'the message whose answer was lost is replayed and recognised');

      // A line may be cut by the kill after its file was written: the restart's deliveries name those too.
      const everyMessage = new Set([
        ...idsOf(producer.logs(), 'message created and spooled'),
        ...idsOf(restart.logs, 'message created and spooled'),
        ...idsOf(restart.logs, 'message delivered'),
      ]);
      assert.ok(everyMessage.size >= 14);
      assertExactlyOnce(await readAllMessages(api.url, key), everyMessage);
    } finally {
      await proxy.close();
    }
  });
});
