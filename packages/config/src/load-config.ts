import type { Variable } from './variables.ts';

export type ConfigSpec = Record<string, Variable<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never };

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads every variable of the spec at once and fails naming every missing or
 * invalid one, so an operator fixes the whole environment in one go.
 */
export function loadConfig<S extends ConfigSpec>(spec: S, env: Readonly<Record<string, string | undefined>>): ConfigOf<S> {
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      if (variable.fallback) result[name] = variable.fallback.value;
      else problems.push(`${name} is required: ${variable.description}`);
      continue;
    }
    try {
      result[name] = variable.parse(raw);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      problems.push(variable.secret ? `${name} ${why}` : `${name}=${JSON.stringify(raw)} ${why}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(result) as ConfigOf<S>;
}

/** The spec as rows, for documentation and for the test that keeps the README's table honest. */
export function describeConfig(spec: ConfigSpec): { name: string; description: string; required: boolean; defaultValue: unknown }[] {
  return Object.entries(spec).map(([name, v]) => ({
    name,
    description: v.description,
    required: v.fallback === undefined,
    defaultValue: v.fallback?.value,
  }));
}
