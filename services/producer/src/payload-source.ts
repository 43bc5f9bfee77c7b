export type PayloadSpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'sensor' }
  | { readonly kind: 'template'; readonly template: Readonly<Record<string, unknown>> };

export interface PayloadContext {
  readonly datetime: string;
  readonly environment: string;
  readonly source: string;
}

export type PayloadSource = (context: PayloadContext) => Record<string, unknown> | undefined;

/** PAYLOAD: "none", "sensor", or a JSON object used as a template. */
export function parsePayloadSpec(raw: string): PayloadSpec {
  const text = raw.trim();
  if (text === 'none') return { kind: 'none' };
  if (text === 'sensor') return { kind: 'sensor' };
  let template: unknown;
  try {
    template = JSON.parse(text);
  } catch {
    throw new Error('must be none, sensor, or a JSON object template');
  }
  if (typeof template !== 'object' || template === null || Array.isArray(template)) throw new Error('must be a JSON object when it is a template');
  return { kind: 'template', template: template as Record<string, unknown> };
}

/**
 * A sensor that drifts like a real one (a bounded random walk), so charts of
 * Pulse data look alive, plus a counter that makes gaps visible.
 */
function createSensor(random: () => number): () => { temperature: number; humidity: number; counter: number } {
  let temperature = 21;
  let humidity = 45;
  let counter = 0;
  const walk = (value: number, step: number, min: number, max: number): number =>
    Math.round(Math.min(max, Math.max(min, value + (random() * 2 - 1) * step)) * 10) / 10;
  return () => {
    temperature = walk(temperature, 0.3, -10, 40);
    humidity = walk(humidity, 1, 5, 95);
    counter += 1;
    return { temperature, humidity, counter };
  };
}

/**
 * Template strings that are exactly "{{name}}" become that value: temperature,
 * humidity and counter from the sensor, or datetime, environment and source.
 */
function fill(value: unknown, values: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') {
    const name = /^\{\{\s*([a-z]+)\s*\}\}$/.exec(value)?.[1];
    return name !== undefined && Object.hasOwn(values, name) ? values[name] : value;
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, values));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, values)]));
  }
  return value;
}

export function createPayloadSource(spec: PayloadSpec, random: () => number = Math.random): PayloadSource {
  if (spec.kind === 'none') return () => undefined;
  const sensor = createSensor(random);
  if (spec.kind === 'sensor') return () => sensor();
  return (context) => fill(spec.template, { ...sensor(), ...context }) as Record<string, unknown>;
}
