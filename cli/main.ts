import { ConfigError } from '@pulse/config';
import { UsageError } from './usage-error.ts';

export type Env = Readonly<Record<string, string | undefined>>;

const USAGE = `pulse: the Pulse operator command

  pulse tenant create <id> [--name NAME] [--rate-limit N] [--json]   create a tenant; prints its key once
  pulse tenant list [--json]
  pulse tenant delete <id>                                           drop the tenant and all its messages
  pulse key create <tenant> [--scope ingest|read]... [--json]         another key (rotation); prints it once
  pulse key list <tenant> [--json]
  pulse key revoke <tenant> <key-id>
  pulse migrate                                                      apply pending migrations; non-zero on failure
  pulse api                                                          run the API (configuration from the environment)
  pulse producer                                                     run the producer (MODE once|interval|load; configuration from the environment)
  pulse consumer                                                     run the dashboard (configuration from the environment; API_BASE_URL)
  pulse dev                                                          what npm start runs: the API on the embedded database with a demo tenant

Every command uses DATABASE_URL (or DB_HOST, DB_NAME, …) when set, else the embedded database in PULSE_DATA_DIR.`;

/** Returns the exit code. */
export async function run(argv: string[], env: Env): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Each command loads only what it needs: `pulse producer` never loads the API.
      case 'tenant':
        return await (await import('./tenant-commands.ts')).tenantCommand(rest, env);
      case 'key':
        return await (await import('./tenant-commands.ts')).keyCommand(rest, env);
      case 'migrate':
        return await (await import('./process-commands.ts')).migrateCommand(env);
      case 'api':
        return await (await import('./process-commands.ts')).apiCommand(env);
      case 'dev':
        return await (await import('./process-commands.ts')).devCommand(env);
      case 'consumer': {
        const { main } = await import('@pulse/consumer');
        return await main(env);
      }
      case 'producer': {
        const { main } = await import('@pulse/producer');
        return await main(env);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`pulse: unknown command "${command}"\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`pulse ${command}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`pulse ${command}: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`pulse ${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

