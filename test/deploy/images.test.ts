import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@pulse/test-support';
import { REPOSITORY_ROOT, buildContext, clearLayerCache, emulateBuild, matchCopySource, type BuiltImage } from './support/build-emulator.ts';
import { readDockerfilePlan, stageUser } from './support/dockerfile-plan.ts';
import { freePort } from '@pulse/test-support';
import { runImage, runToExit, waitForStatus, type ImageProcess } from './support/image-process.ts';

const SERVICES = ['api', 'producer', 'consumer'] as const;
const dockerfile = (service: string): string => join(REPOSITORY_ROOT, 'services', service, 'Dockerfile');
const RUNTIME_WORKSPACES = ['packages', 'services']
  .flatMap((folder) => readdirSync(join(REPOSITORY_ROOT, folder)).map((name) => `${folder}/${name}`))
  .filter((w) => w !== 'packages/test-support' && existsSync(join(REPOSITORY_ROOT, w, 'package.json')));
const REQUIRED_LABELS = ['title', 'description', 'licenses', 'version', 'revision'].map((l) => `org.opencontainers.image.${l}`);

describe('Dockerfiles', () => {
  const context = buildContext();

  for (const service of SERVICES) {
    test(`services/${service}/Dockerfile follows the image rules`, () => {
      assert.ok(existsSync(dockerfile(service)), `services/${service}/Dockerfile is missing`);
      const plan = readDockerfilePlan(dockerfile(service));
      assert.ok(plan.stages.length >= 2, 'multi-stage: dependencies are installed in a stage of their own');
      for (const stage of plan.stages) {
        assert.match(stage.image, /^node:20\.\d+\.\d+-[a-z]+(-slim)?(@sha256:[0-9a-f]{64})?$/, `stage ${stage.name}: a Node 20 LTS base pinned by version (${stage.image})`);
      }
      const user = stageUser(plan.final);
      assert.ok(user, 'the final stage sets USER');
      assert.match(user, /^[1-9]\d*:[1-9]\d*$/, 'USER is numeric (uid:gid) and not root, so runAsNonRoot can be verified');
      assert.ok(plan.final.healthcheck && plan.final.healthcheck.length > 0, 'HEALTHCHECK in exec form');
      assert.deepEqual(plan.final.entrypoint, ['node', 'bin/pulse.js'], 'node is PID 1 itself, no shell in between');
      assert.deepEqual(plan.final.cmd, [service]);
      for (const label of REQUIRED_LABELS) assert.ok(plan.final.labels[label], `LABEL ${label}`);
      assert.ok(!plan.final.steps.some((s) => s.kind === 'run'), 'the final stage runs nothing at build time: the image is copied files only');
      const installs = plan.stages.flatMap((s) => s.steps).filter((s) => s.kind === 'run').map((s) => s.command);
      assert.ok(installs.some((c) => /npm ci\b.*--omit=dev/.test(c)), 'production dependencies only, from the lockfile');
      const copied = plan.stages[0]!.steps.flatMap((s) => (s.kind === 'copy' ? s.sources : []));
      for (const workspace of RUNTIME_WORKSPACES) assert.ok(copied.includes(`${workspace}/package.json`), `the install stage copies ${workspace}/package.json, or npm ci leaves its dependencies out`);
      for (const stage of plan.stages) {
        for (const step of stage.steps) {
          if (step.kind !== 'copy' || step.from !== undefined) continue;
          for (const source of step.sources) {
            assert.ok(matchCopySource(context, source).length > 0, `line ${step.line}: COPY ${source} is not in the build context`);
          }
        }
      }
    });
  }

  test('.dockerignore keeps secrets, tests and node_modules out of the context', () => {
    for (const file of context) {
      assert.doesNotMatch(file, /(^|\/)(node_modules|test)\/|^\.env|^\.pulse-data|\.test\.ts$/, `${file} should not be sent to docker`);
    }
  });
});

describe('images built and run outside Docker, as Kubernetes runs them', () => {
  let database: TestDatabase;
  const images = new Map<string, BuiltImage>();
  const adminToken = randomBytes(24).toString('hex');

  before(async () => {
    database = await createTestDatabase('images');
    // One after the other, so that the second and third reuse the first's npm ci, as Docker's layer cache would.
    for (const service of SERVICES.filter((s) => existsSync(dockerfile(s)))) images.set(service, await emulateBuild(dockerfile(service)));
  });

  const built = (service: string): BuiltImage => {
    const image = images.get(service);
    assert.ok(image, `services/${service}/Dockerfile was built`);
    return image;
  };

  after(async () => {
    if (api && api.child.exitCode === null) api.child.kill('SIGKILL');
    for (const image of images.values()) image.cleanup();
    clearLayerCache();
    await database?.drop();
  });

  let api: ImageProcess | undefined;
  let base = '';
  let apiKey = '';

  test('api: the migration Job exits 0', async () => {
    const migrate = await runToExit(built('api'), { command: ['migrate'], env: { DATABASE_URL: database.url } });
    assert.equal(migrate.code, 0, `pulse migrate failed:\n${migrate.output}`);
  });

  test('api: answers its probes and HEALTHCHECK, and works, read-only and unprivileged', async () => {
    const image = built('api');
    const port = String(await freePort());
    api = runImage(image, { env: { DATABASE_URL: database.url, PORT: port, HOST: '127.0.0.1', ADMIN_TOKEN: adminToken, MIGRATE_ON_START: 'false', SHUTDOWN_DELAY: '200ms' } });
    base = `http://127.0.0.1:${port}`;
    await waitForStatus(`${base}/healthz`, api);
    await waitForStatus(`${base}/readyz`, api);
    const health = await runToExit(image, { argv: image.healthcheck, env: { PORT: port } });
    assert.equal(health.code, 0, `HEALTHCHECK failed:\n${health.output}`);

    const created = await fetch(`${base}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'image-check' }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    apiKey = ((await created.json()) as { api_key: { key: string } }).api_key.key;
    const stored = await fetch(`${base}/api/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ datetime: new Date().toISOString(), environment: 'test' }),
    });
    assert.equal(stored.status, 201, await stored.text());
  });

  test('producer: a CronJob run (MODE=once, key from a mounted file) delivers and exits 0; HEALTHCHECK reaches the API', async () => {
    const image = built('producer');
    const secrets = mkdtempSync(join(tmpdir(), 'pulse-key-'));
    chmodSync(secrets, 0o755);
    writeFileSync(join(secrets, 'api-key'), apiKey, { mode: 0o644 });
    try {
      const env = { API_URL: base, API_KEY_FILE: join(secrets, 'api-key'), MODE: 'once', ENVIRONMENT: 'test', SOURCE: 'image-check' };
      const run = await runToExit(image, { env, volumes: ['/var/spool/pulse-producer'] });
      assert.equal(run.code, 0, `the producer failed:\n${run.output}`);
      const health = await runToExit(image, { argv: image.healthcheck, env: { API_URL: base } });
      assert.equal(health.code, 0, `HEALTHCHECK failed:\n${health.output}`);
    } finally {
      rmSync(secrets, { recursive: true, force: true });
    }
    const listed = await fetch(`${base}/api/messages?environment=test`, { headers: { authorization: `Bearer ${apiKey}` } });
    const body = (await listed.json()) as { messages: { source: string | null }[] };
    assert.ok(body.messages.some((m) => m.source === 'image-check'), 'the message sent by the producer image is stored');
  });

  test('consumer: serves /health and its HEALTHCHECK, and exits 0 on SIGTERM', async () => {
    const image = built('consumer');
    const port = String(await freePort());
    const consumer = runImage(image, { env: { CONSUMER_PORT: port, CONSUMER_HOST: '127.0.0.1', API_BASE_URL: base } });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/health`, consumer);
      const health = await runToExit(image, { argv: image.healthcheck, env: { CONSUMER_PORT: port } });
      assert.equal(health.code, 0, `HEALTHCHECK failed:\n${health.output}`);
    } finally {
      consumer.child.kill('SIGTERM');
    }
    assert.equal(await consumer.exited, 0, `the dashboard did not exit cleanly on SIGTERM:\n${consumer.output()}`);
  });

  test('api: drains and exits 0 on SIGTERM, having written nothing outside /tmp', async () => {
    assert.ok(api, 'the API was started');
    api.child.kill('SIGTERM');
    assert.equal(await api.exited, 0, `the API did not exit cleanly on SIGTERM:\n${api.output()}`);
    assert.doesNotMatch(api.output(), /EACCES|EROFS/);
  });
});
