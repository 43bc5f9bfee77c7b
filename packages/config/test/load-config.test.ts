import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../src/load-config.ts';
import { boolean, duration, integer, list, oneOf, optional, port, string, url } from '../src/variables.ts';

const spec = {
  PORT: port({ description: 'port', default: 3000 }),
  NAME: string({ description: 'name' }),
  SECRET: string({ description: 'secret', secret: true, pattern: /^.{8,}$/ }),
  FLAG: boolean({ description: 'flag', default: false }),
  MODE: oneOf(['a', 'b'] as const, { description: 'mode', default: 'a' }),
  WAIT: duration({ description: 'wait', default: 1000 }),
  URL: optional(url({ description: 'url' })),
  COUNT: integer({ description: 'count', default: 1, min: 1, max: 5 }),
  LIST: list({ description: 'list', default: [] }),
};

test('reads, converts, applies defaults and freezes', () => {
  const config = loadConfig(spec, { NAME: 'x', SECRET: 'long enough', WAIT: '2s', URL: 'https://example.test/', LIST: 'a, b,,c', FLAG: 'yes' });
  assert.deepEqual({ ...config }, { PORT: 3000, NAME: 'x', SECRET: 'long enough', FLAG: true, MODE: 'a', WAIT: 2000, URL: 'https://example.test', COUNT: 1, LIST: ['a', 'b', 'c'] });
  assert.ok(Object.isFrozen(config));
});

test('names every missing or invalid variable at once, without echoing secrets', () => {
  try {
    loadConfig(spec, { PORT: '70000', SECRET: 'short', MODE: 'c', WAIT: 'soon', URL: 'ftp://x', COUNT: '9', FLAG: 'maybe' });
    assert.fail('should throw');
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    const names = error.problems.map((p) => p.split(/[ =]/)[0]);
    assert.deepEqual(names.sort(), ['COUNT', 'FLAG', 'MODE', 'NAME', 'PORT', 'SECRET', 'URL', 'WAIT'].sort());
    assert.ok(!error.message.includes('short'));
  }
});
