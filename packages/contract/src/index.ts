export * from './errors.ts';
export * from './message.ts';
export * from './api.ts';
