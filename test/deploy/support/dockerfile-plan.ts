import { readFileSync } from 'node:fs';
import { DockerfileParser, type Copy, type Env, type Instruction, type JSONInstruction } from 'dockerfile-ast';

/** One instruction of a stage, reduced to what the emulator and the checks need. */
export type Step =
  | { kind: 'workdir'; path: string }
  | { kind: 'env'; values: Record<string, string> }
  | { kind: 'copy'; sources: string[]; destination: string; from?: string; line: number }
  | { kind: 'run'; command: string }
  | { kind: 'user'; user: string };

export interface Stage {
  readonly name: string;
  readonly image: string;
  readonly steps: Step[];
  entrypoint?: string[];
  cmd?: string[];
  healthcheck?: string[];
  labels: Record<string, string>;
  exposed: string[];
}

export interface DockerfilePlan {
  readonly path: string;
  readonly stages: Stage[];
  /** The stage that becomes the image: the last one. */
  readonly final: Stage;
}

function jsonArgs(instruction: Instruction): string[] {
  const strings = (instruction as JSONInstruction).getJSONStrings();
  if (strings.length === 0) throw new Error(`line ${instruction.getRange().start.line + 1}: ${instruction.getKeyword()} must use the JSON (exec) form`);
  return strings.map((s) => s.getJSONValue());
}

function unquote(value: string): string {
  return value.replace(/^"(.*)"$/s, '$1');
}

/**
 * Reads a Dockerfile into stages. Only the instructions Pulse's Dockerfiles use are accepted,
 * so that the emulator in build-emulator.ts never silently ignores a step that a real build would run.
 */
export function readDockerfilePlan(path: string): DockerfilePlan {
  const dockerfile = DockerfileParser.parse(readFileSync(path, 'utf8'));
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    const line = instruction.getRange().start.line + 1;
    if (keyword === 'FROM') {
      const args = instruction.getArguments().map((a) => a.getValue());
      stage = { name: args[2] ?? String(stages.length), image: args[0]!, steps: [], labels: {}, exposed: [] };
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${path}:${line}: ${keyword} before FROM`);
    switch (keyword) {
      case 'ARG':
        break;
      case 'WORKDIR':
        stage.steps.push({ kind: 'workdir', path: instruction.getArguments()[0]!.getValue() });
        break;
      case 'ENV':
        stage.steps.push({ kind: 'env', values: Object.fromEntries((instruction as Env).getProperties().map((p) => [p.getName(), unquote(p.getValue() ?? '')])) });
        break;
      case 'COPY': {
        const copy = instruction as Copy;
        const args = copy.getArguments().map((a) => a.getValue());
        // getFromFlag() misses --from when another flag (--chown) is present, so the flags are read directly.
        const from = copy.getFlags().find((f) => f.getName() === 'from')?.getValue() ?? undefined;
        stage.steps.push({ kind: 'copy', sources: args.slice(0, -1), destination: args.at(-1)!, line, ...(from ? { from } : {}) });
        break;
      }
      case 'RUN':
        stage.steps.push({ kind: 'run', command: instruction.getRawArgumentsContent() ?? '' });
        break;
      case 'USER':
        stage.steps.push({ kind: 'user', user: instruction.getArguments()[0]!.getValue() });
        break;
      case 'LABEL':
        for (const property of (instruction as unknown as Env).getProperties()) stage.labels[property.getName()] = unquote(property.getValue() ?? '');
        break;
      case 'EXPOSE':
        stage.exposed.push(...instruction.getArguments().map((a) => a.getValue()));
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = jsonArgs(instruction);
        break;
      case 'CMD':
        stage.cmd = jsonArgs(instruction);
        break;
      case 'HEALTHCHECK': {
        const match = /\bCMD\s+(\[.*\])\s*$/s.exec(instruction.getRawArgumentsContent() ?? '');
        if (!match) throw new Error(`${path}:${line}: HEALTHCHECK must be CMD in the JSON (exec) form`);
        stage.healthcheck = JSON.parse(match[1]!) as string[];
        break;
      }
      default:
        throw new Error(`${path}:${line}: ${keyword} is not understood by the build emulator; teach test/deploy/support/dockerfile-plan.ts first`);
    }
  }
  if (stages.length === 0) throw new Error(`${path}: no FROM`);
  return { path, stages, final: stages.at(-1)! };
}

/** The USER of a stage, after all its steps. */
export function stageUser(stage: Stage): string | undefined {
  return stage.steps.filter((s) => s.kind === 'user').at(-1)?.user;
}

/** The ENV of a stage, after all its steps. */
export function stageEnv(stage: Stage): Record<string, string> {
  return Object.assign({}, ...stage.steps.filter((s) => s.kind === 'env').map((s) => s.values)) as Record<string, string>;
}
