import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPOSITORY_ROOT } from './support/build-emulator.ts';

interface Service {
  image: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  read_only?: boolean;
  user?: string;
  cap_drop?: string[];
  tmpfs?: string[];
  security_opt?: string[];
}

const compose = parse(readFileSync(join(REPOSITORY_ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const pulse = Object.entries(compose.services).filter(([name]) => name !== 'postgres');

test('compose.yaml: PostgreSQL plus the three images, built from their Dockerfiles', () => {
  const dockerfiles = new Set(pulse.flatMap(([, s]) => (s.build ? [s.build.dockerfile] : [])));
  assert.deepEqual([...dockerfiles].sort(), ['services/api/Dockerfile', 'services/consumer/Dockerfile', 'services/producer/Dockerfile']);
  for (const file of dockerfiles) assert.ok(existsSync(join(REPOSITORY_ROOT, file)), file);
  assert.match(compose.services.postgres!.image, /^postgres:\d+\.\d+/, 'PostgreSQL pinned by version');
});

test('compose.yaml: every Pulse container is read-only, unprivileged and without capabilities', () => {
  for (const [name, service] of pulse) {
    assert.equal(service.read_only, true, `${name}: read_only`);
    assert.match(service.user ?? '', /^[1-9]\d*:[1-9]\d*$/, `${name}: a numeric non-root user`);
    assert.deepEqual(service.cap_drop, ['ALL'], `${name}: cap_drop ALL`);
    assert.ok(service.tmpfs?.some((t) => t.startsWith('/tmp')), `${name}: a tmpfs at /tmp for tsx's cache`);
    assert.ok(service.security_opt?.includes('no-new-privileges:true'), `${name}: no-new-privileges`);
  }
});

test('compose.yaml: no secret has a default value', () => {
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [variable, value] of Object.entries(service.environment ?? {})) {
      if (!/PASSWORD|TOKEN|SECRET|KEY|DATABASE_URL/.test(variable)) continue;
      const interpolations = [...value.matchAll(/\$\{([A-Z_]+)(:[?-])([^}]*)\}/g)];
      assert.ok(interpolations.length > 0, `${name}: ${variable} comes from the environment`);
      for (const [, , operator, fallback] of interpolations) assert.ok(operator === ':?' || fallback === '', `${name}: ${variable} has no default`);
    }
  }
});

test('compose.yaml: every variable set is one the service\'s config spec knows', async () => {
  const specs: Record<string, [string, string]> = { 'pulse-api': ['@pulse/api', 'apiConfigSpec'], 'pulse-producer': ['@pulse/producer', 'producerConfigSpec'], 'pulse-consumer': ['@pulse/consumer', 'consumerConfigSpec'] };
  for (const [name, service] of pulse) {
    const [specifier, exported] = specs[service.image.split(':')[0]!] ?? assert.fail(`${name}: unknown image ${service.image}`);
    const load = (id: string): Promise<Record<string, object>> => import(id) as Promise<Record<string, object>>;
    const known = Object.keys((await load(specifier))[exported] ?? assert.fail(`${specifier} must export ${exported}`));
    for (const variable of Object.keys(service.environment ?? {})) assert.ok(known.includes(variable), `${name}: ${variable} is not in ${exported}`);
  }
});
