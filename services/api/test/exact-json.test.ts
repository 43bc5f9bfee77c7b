import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentChange } from '../src/plugins/exact-json.ts';
import { call, startTestApi, type TestApi } from './support.ts';

let api: TestApi;
let key: string;
before(async () => {
  api = await startTestApi();
  key = await api.createTenant('exact');
});
after(() => api.close());

// Found by the hostile-input battery: 1e-400 was stored as 0, 123456789012345678901234567890 rounded,
// and of a repeated key only the last value kept, each answered 201 as if stored as sent.
for (const payload of ['{"n":1e-400}', '{"n":1e400}', '{"n":123456789012345678901234567890}', '{"n":9007199254740993}', '{"k":{"x":"\\u0000"},"k":1}', '{"a":1,"\\u0061":2}']) {
  test(`a body JSON.parse would silently change is refused: ${payload}`, async () => {
    const answer = await call(`${api.url}/api/messages`, { key, rawBody: `{"datetime":"2026-01-01T00:00:00Z","payload":${payload}}`, headers: { 'content-type': 'application/json' } });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.code, 'VALIDATION_FAILED');
  });
}

test('numbers JavaScript holds exactly, in any spelling, are still accepted', async () => {
  const answer = await call(`${api.url}/api/messages`, { key, rawBody: '{"datetime":"2026-01-01T00:00:00Z","payload":{"a":0.1,"b":-0,"c":1E2,"d":1.50,"e":9007199254740991,"f":5e-324,"g":"1e400 in a string","h":[1,2]}}', headers: { 'content-type': 'application/json' } });
  assert.equal(answer.status, 201);
  assert.deepEqual(answer.body.data.payload, { a: 0.1, b: 0, c: 100, d: 1.5, e: 9007199254740991, f: 5e-324, g: '1e400 in a string', h: [1, 2] });
  assert.equal(silentChange('{"s":"a \\" quoted, key","t":{"s":1},"u":[{"s":2},{"s":3}]}'), undefined, 'the same key in sibling objects is fine');
});

test('router errors (a malformed URL, an over-long path parameter) carry a catalogue code', async () => {
  for (const path of ['/admin/tenants/%ZZ', `/admin/tenants/${'a'.repeat(500)}`]) {
    const answer = await call(`${api.url}${path}`, { headers: { authorization: `Bearer ${api.adminToken}` } });
    assert.ok(answer.status === 400 || answer.status === 404, `${path}: ${answer.status}`);
    assert.ok(['VALIDATION_FAILED', 'NOT_FOUND'].includes(answer.body.code), JSON.stringify(answer.body));
  }
});
