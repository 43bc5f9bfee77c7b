import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeConfig } from '@pulse/config';
import { loadProducerConfig, producerConfigSpec } from '../src/index.ts';
import { createPayloadSource, parsePayloadSpec } from '../src/payload-source.ts';
import { backoffDelay, parseRetryAfter, withRetries, type Retryable } from '../src/retry.ts';
import { Spool } from '../src/spool.ts';
import { tempSpool } from './producer-process.ts';

const policy = { maxAttempts: 5, maxTimeMs: 10_000, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retries', () => {
  test('full jitter stays between 0 and the capped exponential step', () => {
    assert.equal(backoffDelay(policy, 0, () => 0.999999), 100);
    assert.equal(backoffDelay(policy, 3, () => 0.999999), 800);
    assert.equal(backoffDelay(policy, 10, () => 0.999999), 1000);
    assert.equal(backoffDelay(policy, 10, () => 0), 0);
  });

  test('Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(new Date(Date.now() + 60_000).toUTCString(), Date.now()) !== undefined, true);
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  test('bounded by attempts, and by total time even when the server asks for a longer pause', async () => {
    let calls = 0;
    const fail = async (): Promise<Retryable> => ((calls += 1), { kind: 'retryable', reason: 'test' });
    await withRetries(fail, { policy: { ...policy, baseDelayMs: 1, maxDelayMs: 1 } });
    assert.equal(calls, 5);
    calls = 0;
    const started = Date.now();
    await withRetries(async () => ((calls += 1), { kind: 'retryable', reason: '429', retryAfterMs: 60_000 }) as Retryable, { policy });
    assert.equal(calls, 1);
    assert.ok(Date.now() - started < 1000);
  });
});

describe('spool', () => {
  test('names sort by creation; a whole interrupted write is finished, a partial one dropped', async () => {
    const dir = await tempSpool();
    await mkdir(dir, { recursive: true });
    const whole = '01a24300-0000-7000-8000-000000000001';
    const partial = '01a24300-0000-7000-8000-000000000002';
    await writeFile(join(dir, `.${whole}.tmp`), JSON.stringify({ message_id: whole, datetime: '2026-01-01T00:00:00Z' }));
    await writeFile(join(dir, `.${partial}.tmp`), '{"message_id":"01a2');
    const { spool, recovered, discarded } = await Spool.open(dir, 10);
    assert.deepEqual(recovered, [whole]);
    assert.deepEqual(discarded, [partial]);
    await spool.add({ message_id: '01a24300-0000-7000-8000-000000000000', datetime: '2026-01-01T00:00:00Z' });
    assert.deepEqual(await spool.ids(), ['01a24300-0000-7000-8000-000000000000', whole]);
    assert.ok(!(await readdir(dir)).some((name) => name.endsWith('.tmp')));
  });

  test('bounded by SPOOL_MAX', async () => {
    const { spool } = await Spool.open(await tempSpool(), 1);
    assert.equal(await spool.add({ message_id: '01a24300-0000-7000-8000-00000000000a', datetime: 'x' }), true);
    assert.equal(await spool.add({ message_id: '01a24300-0000-7000-8000-00000000000b', datetime: 'x' }), false);
  });
});

describe('payloads and configuration', () => {
  test('a template is filled from the sensor and the message', () => {
    const source = createPayloadSource(parsePayloadSpec('{"t":"{{temperature}}","where":{"env":"{{environment}}"},"n":"{{counter}}","x":"{{nope}}"}'), () => 0.5);
    assert.deepEqual(source({ datetime: 'd', environment: 'prod', source: 's' }), { t: 21, where: { env: 'prod' }, n: 1, x: '{{nope}}' });
  });

  test('API_KEY_FILE is read and trimmed; every variable is described', async () => {
    const file = join(await tempSpool(), '..', 'key');
    await writeFile(file, 'pulse_secret\n');
    assert.equal(loadProducerConfig({ API_KEY_FILE: file }).settings.apiKey, 'pulse_secret');
    assert.ok(describeConfig(producerConfigSpec).every((row) => row.description.length > 0));
  });

  test('the README table lists every variable', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const missing = describeConfig(producerConfigSpec).filter((row) => !readme.includes(`| \`${row.name}\` |`));
    assert.deepEqual(missing.map((row) => row.name), []);
  });
});
