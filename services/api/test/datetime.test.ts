import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseDatetime } from '../src/domain/datetime.ts';

test('accepts the original format and ISO 8601 with offsets', () => {
  assert.equal(parseDatetime('2026-01-31 12:00:00'), '2026-01-31T12:00:00.000000Z');
  assert.equal(parseDatetime('2026-01-31T12:00:00Z'), '2026-01-31T12:00:00.000000Z');
  assert.equal(parseDatetime('2026-01-31T12:00:00.5+02:00'), '2026-01-31T10:00:00.500000Z');
  assert.equal(parseDatetime('2026-01-01T00:30:00+0100'), '2025-12-31T23:30:00.000000Z');
  assert.equal(parseDatetime('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00.000000Z');
});

test('refuses what is not a real instant', () => {
  for (const text of ['2026-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01', '0000-01-01T00:00:00Z', '2026-01-01T00:00:00+25:00', 'yesterday', '2026-01-01T00:00:00.1234567Z', ' 2026-01-01T00:00:00Z']) {
    assert.equal(parseDatetime(text), undefined, text);
  }
});

test('agrees with Date for every instant it can represent', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
      const iso = date.toISOString();
      assert.equal(parseDatetime(iso), `${iso.slice(0, -1)}000Z`);
    }),
    { numRuns: 2000 },
  );
});
