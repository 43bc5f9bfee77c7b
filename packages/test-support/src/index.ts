export * from './test-database.ts';
export * from './api-process.ts';
export * from './free-port.ts';
export * from './postgres-instance.ts';
