import { PulseError } from '@pulse/contract';
import type { FastifyInstance } from 'fastify';

const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/** A decimal literal as significant digits and a power of ten, so two spellings of one value compare equal. */
function decimal(literal: string): string {
  const match = NUMBER.exec(literal);
  if (!match) return literal;
  const fraction = match[2] ?? '';
  let digits = `${match[1]}${fraction}`.replace(/^0+/, '');
  if (digits === '') return '0';
  let exponent = Number(match[3] ?? 0) - fraction.length;
  const kept = digits.replace(/0+$/, '');
  exponent += digits.length - kept.length;
  digits = kept;
  return `${literal.startsWith('-') ? '-' : ''}${digits}e${exponent}`;
}

function isExact(literal: string): boolean {
  const value = Number(literal);
  // Most numbers print back as they were written; only the others need the decimal comparison.
  if (String(value) === literal) return true;
  return Number.isFinite(value) && decimal(literal).replace(/^-(?=0$)/, '') === decimal(String(value)).replace(/^-(?=0$)/, '');
}

/** 0-9 . e E + - */
function isNumberChar(code: number): boolean {
  return (code >= 48 && code <= 57) || code === 46 || code === 101 || code === 69 || code === 43 || code === 45;
}

/**
 * What JSON.parse would silently change in valid JSON text: a number a
 * JavaScript number cannot hold exactly, or a key repeated in one object
 * (all but the last value would be dropped). Undefined when there is none.
 */
export function silentChange(text: string): string | undefined {
  const objects: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      const keys = objects.at(-1);
      if (expectKey && keys) {
        const key = JSON.parse(text.slice(start, i + 1)) as string;
        if (keys.has(key)) return `key ${JSON.stringify(key.slice(0, 40))} appears twice in one object`;
        keys.add(key);
        expectKey = false;
      }
    } else if (c === '{' || c === '[') {
      objects.push(c === '{' ? new Set() : undefined);
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      objects.pop();
    } else if (c === ',') {
      expectKey = objects.at(-1) !== undefined;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      let end = i + 1;
      while (end < text.length && isNumberChar(text.charCodeAt(end))) end++;
      const literal = text.slice(i, end);
      if (!isExact(literal)) return `number ${literal.slice(0, 40)} cannot be stored exactly; send it as a string`;
      i = end - 1;
    }
  }
  return undefined;
}

/**
 * JSON bodies keep Fastify's parser (with its prototype-poisoning checks) but
 * refuse what it would silently change: numbers JavaScript rounds or overflows
 * (1e400, 2^53 + 1, 30-digit integers) and repeated keys, so what is stored is what was sent.
 */
export function registerExactJson(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (error: Error | null, value?: unknown) => {
      if (error) return done(error, undefined);
      const change = silentChange(body as string);
      if (change !== undefined) return done(new PulseError('VALIDATION_FAILED', change), undefined);
      return done(null, value);
    });
  });
}
