export { buildApp } from './app.ts';
export { apiConfigSpec, loadApiConfig, type ApiConfig } from './config.ts';
export type { Database } from './db/database.ts';
export { migrate, readMigrations } from './db/migrator.ts';
export { openDatabase, EMBEDDED_WARNING } from './db/open-database.ts';
export { TenantsRepository, toTenantBody } from './domain/tenants-repository.ts';
export { main } from './main.ts';
export { startApiServer, type ApiServer } from './server.ts';
