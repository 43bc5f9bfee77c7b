import { spawn, type ChildProcess } from 'node:child_process';
import { prepareReadOnlyRun, type BuiltImage } from './build-emulator.ts';

export interface ImageProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): string;
}

/**
 * Starts the image's ENTRYPOINT + CMD (or `command` instead of CMD) as a container would: in its WORKDIR,
 * with only the image's ENV plus `env`, a read-only image and writable /tmp and `volumes`.
 */
export function runImage(image: BuiltImage, options: { command?: string[]; env?: Record<string, string>; volumes?: string[]; argv?: string[] } = {}): ImageProcess {
  const run = prepareReadOnlyRun(image, options.volumes);
  const argv = options.argv ?? [...image.entrypoint, ...(options.command ?? image.cmd)];
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: image.workdir,
    env: { PATH: process.env.PATH ?? '', ...run.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(run.uid !== undefined ? { uid: run.uid, gid: run.gid } : {}),
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** Polls url until it answers `status`, the process dies, or the deadline passes. */
export async function waitForStatus(url: string, process: ImageProcess, status = 200, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let dead = false;
  void process.exited.then(() => (dead = true));
  while (Date.now() < deadline && !dead) {
    try {
      const response = await fetch(url);
      if (response.status === status) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not answer ${status}${dead ? ' (the process exited)' : ' in time'}:\n${process.output()}`);
}

/** Runs to completion and returns the exit code with the output. */
export async function runToExit(image: BuiltImage, options: Parameters<typeof runImage>[1], deadlineMs = 30_000): Promise<{ code: number | null; output: string }> {
  const running = runImage(image, options);
  const timer = setTimeout(() => running.child.kill('SIGKILL'), deadlineMs);
  const code = await running.exited;
  clearTimeout(timer);
  return { code, output: running.output() };
}
