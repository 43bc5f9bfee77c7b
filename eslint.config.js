import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.pulse-data/**', 'services/consumer/public/build/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Only main.ts files, the CLI entry and test support read the environment; everything else is handed a config.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through @pulse/config in main.ts.' }],
    },
  },
  {
    files: ['services/*/src/main.ts', 'bin/pulse.js', 'scripts/**', 'bench/**', '**/test/**', '**/*.test.ts', 'packages/test-support/**'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
