export * from './variables.ts';
export * from './load-config.ts';
