#!/usr/bin/env node
// Pulse runs its TypeScript through tsx (esbuild) in every environment, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../cli/main.ts');
process.exitCode = await run(process.argv.slice(2), process.env);
