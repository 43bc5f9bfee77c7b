import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startTestApi, type TestApi } from './support.ts';

describe('cursor pagination while messages arrive', () => {
  let api: TestApi;
  let key: string;

  before(async () => {
    api = await startTestApi();
    key = await api.createTenant('pager');
    const messages = Array.from({ length: 250 }, (_, i) => ({ datetime: '2026-01-01T00:00:00Z', message_id: `old-${i}`, environment: i % 3 === 0 ? 'test' : 'prod' }));
    const answer = await call(`${api.url}/api/messages/batch`, { key, body: { messages } });
    assert.equal(answer.body.stored, 250);
  });
  after(() => api.close());

  test('walking every page neither skips nor repeats rows while new ones are inserted', async () => {
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await call(`${api.url}/api/messages`, { key, body: { datetime: '2026-06-01T00:00:00Z', message_id: `new-${written}` } });
        written += 1;
      }
    })();
    const seen: string[] = [];
    let cursor: string | null = null;
    let first = true;
    while (first || cursor) {
      first = false;
      const page: { body: { messages: { message_id: string }[]; next_cursor: string | null; count: number } } = await call(
        `${api.url}/api/messages?limit=17${cursor ? `&cursor=${cursor}` : ''}`,
        { key },
      );
      seen.push(...page.body.messages.map((m) => m.message_id));
      assert.equal(page.body.count, page.body.messages.length);
      cursor = page.body.next_cursor;
    }
    writing = false;
    await writer;
    assert.ok(written > 0, 'the writer ran during the walk');
    assert.equal(new Set(seen).size, seen.length, 'no repeats');
    const old = seen.filter((id) => id.startsWith('old-'));
    assert.equal(old.length, 250, 'every row that existed before the walk was seen');
    assert.deepEqual(old, Array.from({ length: 250 }, (_, i) => `old-${249 - i}`));
  });

  test('pages with a filter keep the filter', async () => {
    const page1 = await call(`${api.url}/api/messages?environment=test&limit=50`, { key });
    const page2 = await call(`${api.url}/api/messages?environment=test&limit=50&cursor=${page1.body.next_cursor}`, { key });
    const all = [...page1.body.messages, ...page2.body.messages];
    assert.equal(all.length, 84);
    assert.ok(all.every((m: { environment: string }) => m.environment === 'test'));
    assert.equal(page2.body.next_cursor, null);
  });

  test('limit defaults to 100 and caps at 1000', async () => {
    assert.equal((await call(`${api.url}/api/messages`, { key })).body.count, 100);
    assert.equal((await call(`${api.url}/api/messages?limit=1000`, { key })).body.count > 250, true);
  });
});
