import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { describeConfig, type ConfigSpec } from '@pulse/config';

const README = new URL('../README.md', import.meta.url);

/** Every service's configuration spec, as each package exports it. */
async function specs(): Promise<Record<string, ConfigSpec>> {
  const api = await import('@pulse/api');
  const producer = await import('@pulse/producer');
  const consumer = await import('@pulse/consumer');
  return { api: api.apiConfigSpec, producer: producer.producerConfigSpec, consumer: consumer.consumerConfigSpec };
}

test('the README documents every environment variable of every service in its one table', async () => {
  const readme = await readFile(README, 'utf8');
  const rows = new Set(
    readme
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .map((line) => line.split('|').map((cell) => cell.trim()))
      .filter((cells) => cells.length >= 5)
      .map((cells) => `${cells[1]} ${cells[2]!.replaceAll('`', '')}`),
  );
  for (const [service, spec] of Object.entries(await specs())) {
    assert.ok(spec, `${service} exports its config spec`);
    for (const variable of describeConfig(spec)) {
      assert.ok(rows.has(`${service} ${variable.name}`), `README's configuration table lacks ${service} ${variable.name}`);
    }
  }
});

test('the README gives the two commands for a fresh machine', async () => {
  const readme = await readFile(README, 'utf8');
  assert.ok(readme.includes('npm install && npm start'));
  assert.ok(readme.includes('\nnpm test\n'));
});
