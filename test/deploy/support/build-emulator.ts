import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { createRequire } from 'node:module';
import { readDockerfilePlan, stageEnv, stageUser, type DockerfilePlan } from './dockerfile-plan.ts';

// The package is CommonJS with module.exports = the factory, which its typings call a default export.
const ignore = createRequire(import.meta.url)('@balena/dockerignore') as () => {
  add(rules: string): { filter(paths: string[]): string[] };
};

export const REPOSITORY_ROOT = new URL('../../../', import.meta.url).pathname;

/**
 * The build context as docker would send it: the files git knows (tracked, or new and not ignored),
 * less what .dockerignore excludes.
 */
export function buildContext(root = REPOSITORY_ROOT): string[] {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && existsSync(join(root, f)));
  const rules = ignore().add(readFileSync(join(root, '.dockerignore'), 'utf8'));
  return rules.filter(files);
}

/** The context files a COPY source stands for: the file itself, or everything under the folder. */
export function matchCopySource(context: readonly string[], source: string): string[] {
  const clean = posix.normalize(source).replace(/^\.\/?/, '').replace(/\/$/, '');
  return context.filter((f) => f === clean || f.startsWith(`${clean}/`));
}

export interface BuiltImage {
  readonly plan: DockerfilePlan;
  /** Where the final stage's "/" lives on this machine. */
  readonly root: string;
  readonly workdir: string;
  readonly env: Record<string, string>;
  readonly uid: number;
  readonly gid: number;
  readonly entrypoint: string[];
  readonly cmd: string[];
  readonly healthcheck: string[];
  cleanup(): void;
}

function inside(root: string, containerPath: string): string {
  return join(root, posix.normalize(containerPath));
}

function runShell(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`RUN ${command} exited with ${code}:\n${output}`))));
  });
}

const layerCache = new Map<string, string>();
let cacheDir: string | undefined;

/** Forgets the RUN results kept between builds of this process. */
export function clearLayerCache(): void {
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
  cacheDir = undefined;
  layerCache.clear();
}

/**
 * Runs a Dockerfile's steps outside Docker: every stage gets its own folder as "/", COPY copies from the
 * build context (or from an earlier stage), RUN runs in the stage's WORKDIR with the host's tools and npm
 * cache. The base image itself is not emulated: the host's Node must be the same major version.
 */
export async function emulateBuild(dockerfile: string): Promise<BuiltImage> {
  const plan = readDockerfilePlan(dockerfile);
  const context = buildContext();
  const top = mkdtempSync(join(tmpdir(), 'pulse-image-'));
  chmodSync(top, 0o755);
  const roots = new Map<string, string>();
  const digests = new Map<string, string>();
  for (const stage of plan.stages) {
    const root = join(top, stage.name);
    mkdirSync(root, { recursive: true, mode: 0o755 });
    roots.set(stage.name, root);
    const layer = createHash('sha256').update(stage.image);
    let workdir = '/';
    const env: Record<string, string> = {};
    for (const step of stage.steps) {
      layer.update(JSON.stringify(step));
      if (step.kind === 'workdir') {
        workdir = posix.resolve(workdir, step.path);
        mkdirSync(inside(root, workdir), { recursive: true, mode: 0o755 });
      } else if (step.kind === 'env') {
        Object.assign(env, step.values);
      } else if (step.kind === 'copy') {
        const destination = posix.resolve(workdir, step.destination);
        const intoFolder = step.destination.endsWith('/') || step.sources.length > 1;
        for (const source of step.sources) {
          if (step.from !== undefined) {
            const fromRoot = roots.get(step.from);
            if (!fromRoot) throw new Error(`line ${step.line}: COPY --from=${step.from}: no such earlier stage`);
            const from = inside(fromRoot, source);
            if (!existsSync(from)) throw new Error(`line ${step.line}: COPY --from=${step.from} ${source}: not in that stage`);
            layer.update(digests.get(step.from)!);
            cpSync(from, inside(root, intoFolder ? posix.join(destination, posix.basename(source)) : destination), { recursive: true, verbatimSymlinks: true });
            continue;
          }
          const files = matchCopySource(context, source);
          if (files.length === 0) throw new Error(`line ${step.line}: COPY ${source}: not in the build context (missing, untracked or excluded by .dockerignore)`);
          const isFile = files.length === 1 && files[0] === posix.normalize(source).replace(/\/$/, '');
          for (const file of files) {
            const relative = isFile ? posix.basename(file) : posix.relative(posix.normalize(source).replace(/\/$/, ''), file);
            const target = isFile && !intoFolder ? inside(root, destination) : inside(root, posix.join(destination, relative));
            mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
            cpSync(join(REPOSITORY_ROOT, file), target);
            layer.update(file).update(readFileSync(join(REPOSITORY_ROOT, file)));
          }
        }
      } else if (step.kind === 'run') {
        // Like Docker's layer cache: the same inputs and command reuse the result (the images share their install stage).
        const key = layer.copy().digest('hex');
        const cached = layerCache.get(key);
        if (cached) {
          rmSync(root, { recursive: true, force: true });
          cpSync(cached, root, { recursive: true, verbatimSymlinks: true });
          continue;
        }
        // The host's npm cache stands in for the registry, so the build works offline when the cache is warm.
        await runShell(step.command, inside(root, workdir), { ...env, PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' });
        cacheDir ??= mkdtempSync(join(tmpdir(), 'pulse-layers-'));
        cpSync(root, join(cacheDir, key), { recursive: true, verbatimSymlinks: true });
        layerCache.set(key, join(cacheDir, key));
      }
    }
    digests.set(stage.name, layer.digest('hex'));
  }
  const final = plan.final;
  const root = roots.get(final.name)!;
  const user = stageUser(final) ?? 'root';
  const [uid, gid] = user.split(':').map(Number) as [number, number];
  const workdir = final.steps.filter((s) => s.kind === 'workdir').reduce((dir, s) => posix.resolve(dir, s.path), '/');
  return {
    plan,
    root,
    workdir: inside(root, workdir),
    env: stageEnv(final),
    uid,
    gid: gid ?? uid,
    entrypoint: final.entrypoint ?? [],
    cmd: final.cmd ?? [],
    healthcheck: final.healthcheck ?? [],
    cleanup() {
      if (process.getuid?.() !== 0) execFileSync('chmod', ['-R', 'u+w', top]);
      rmSync(top, { recursive: true, force: true });
    },
  };
}

/**
 * Lays out the run-time file system as Kubernetes runs the image: the image read-only, a writable empty /tmp
 * (the emptyDir of the manifests) and any extra writable folders (volumes). As root, the process runs as the
 * image's USER, to whom the root-owned files are read-only; otherwise the write bits are removed.
 */
export function prepareReadOnlyRun(image: BuiltImage, writable: string[] = []): { env: Record<string, string>; uid?: number; gid?: number } {
  const asRoot = process.getuid?.() === 0;
  for (const folder of ['/tmp', ...writable]) {
    const path = inside(image.root, folder);
    mkdirSync(path, { recursive: true });
    if (asRoot) chownSync(path, image.uid, image.gid);
  }
  if (!asRoot) execFileSync('chmod', ['-R', 'a-w', image.workdir]);
  const env = Object.fromEntries(
    Object.entries(image.env).map(([name, value]) => [name, value.startsWith('/') ? inside(image.root, value) : value]),
  );
  return { env, ...(asRoot ? { uid: image.uid, gid: image.gid } : {}) };
}
