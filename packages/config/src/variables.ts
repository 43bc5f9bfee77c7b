/** One environment variable: how to read it, its default, and what it means. */
export interface Variable<T> {
  readonly description: string;
  /** Present when the variable may be left unset. */
  readonly fallback?: { readonly value: T } | undefined;
  /** Secrets are never echoed back in error messages. */
  readonly secret: boolean;
  parse(raw: string): T;
}

interface Options<T> {
  description: string;
  default?: T;
  optional?: boolean;
  secret?: boolean;
}

function variable<T>(options: Options<T>, parse: (raw: string) => T): Variable<T> {
  const hasFallback = 'default' in options || options.optional === true;
  return {
    description: options.description,
    fallback: hasFallback ? { value: options.default as T } : undefined,
    secret: options.secret ?? false,
    parse,
  };
}

type Opt<T> = Omit<Options<T>, 'optional'>;

/** A variable that may be unset, reading as undefined. */
export function optional<T>(v: Variable<T>): Variable<T | undefined> {
  return { ...v, fallback: { value: undefined } };
}

export function string(options: Opt<string> & { pattern?: RegExp; maxLength?: number }): Variable<string> {
  return variable(options, (raw) => {
    if (raw.length === 0) throw new Error('must not be empty');
    if (options.maxLength !== undefined && raw.length > options.maxLength) throw new Error(`must be at most ${options.maxLength} characters`);
    if (options.pattern && !options.pattern.test(raw)) throw new Error(`must match ${options.pattern}`);
    return raw;
  });
}

export function integer(options: Opt<number> & { min?: number; max?: number }): Variable<number> {
  return variable(options, (raw) => {
    if (!/^-?[0-9]+$/.test(raw.trim())) throw new Error('must be an integer');
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) throw new Error('is out of range');
    if (options.min !== undefined && value < options.min) throw new Error(`must be at least ${options.min}`);
    if (options.max !== undefined && value > options.max) throw new Error(`must be at most ${options.max}`);
    return value;
  });
}

export function port(options: Opt<number>): Variable<number> {
  return integer({ ...options, min: 0, max: 65535 });
}

export function boolean(options: Opt<boolean>): Variable<boolean> {
  return variable(options, (raw) => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    throw new Error('must be true or false');
  });
}

export function oneOf<const V extends string>(values: readonly V[], options: Opt<V>): Variable<V> {
  return variable(options, (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new Error(`must be one of ${values.join(', ')}`);
    return raw as V;
  });
}

export function url(options: Opt<string> & { protocols?: string[] }): Variable<string> {
  const protocols = options.protocols ?? ['http:', 'https:'];
  return variable(options, (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new Error('must be a URL');
    }
    if (!protocols.includes(parsed.protocol)) throw new Error(`must use ${protocols.join(' or ')}`);
    return raw.replace(/\/+$/, '');
  });
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses "250ms", "2s", "5m", "1h" (or a bare number of milliseconds) into milliseconds. */
export function parseDuration(raw: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(raw.trim());
  if (!match) throw new Error('must be a duration such as 500ms, 2s, 5m or 1h');
  const value = Number(match[1]) * UNIT_MS[match[2] ?? 'ms']!;
  if (!Number.isFinite(value)) throw new Error('is out of range');
  return Math.round(value);
}

export function duration(options: Opt<number> & { minMs?: number }): Variable<number> {
  return variable(options, (raw) => {
    const ms = parseDuration(raw);
    if (options.minMs !== undefined && ms < options.minMs) throw new Error(`must be at least ${options.minMs}ms`);
    return ms;
  });
}

export function list(options: Opt<string[]>): Variable<string[]> {
  return variable(options, (raw) => raw.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
}
