import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PG_DUMP = `${process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'}/pg_dump`;

export interface SecretFinding {
  readonly where: string;
  readonly kind: string;
}

/**
 * Collects the secrets a battery run handed out (API keys, admin tokens,
 * database passwords) and the places they must never show up in clear: every
 * log file and a pg_dump of every database, taken before the database is dropped.
 */
export class SecretsLedger {
  private readonly secrets = new Map<string, string>();
  private readonly logFiles = new Set<string>();
  readonly findings: SecretFinding[] = [];
  databasesScanned = 0;
  bytesScanned = 0;

  addSecret(kind: string, value: string): void {
    if (value.length >= 16) this.secrets.set(value, kind);
  }

  addLogFile(path: string): void {
    this.logFiles.add(path);
  }

  get secretCount(): number {
    return this.secrets.size;
  }

  get logFileCount(): number {
    return this.logFiles.size;
  }

  private scanText(where: string, text: string): void {
    this.bytesScanned += text.length;
    for (const [value, kind] of this.secrets) {
      if (text.includes(value)) this.findings.push({ where, kind });
    }
  }

  /** pg_dump of the whole database as plain SQL, searched for every secret known so far. */
  async scanDatabase(url: string): Promise<void> {
    const { stdout } = await run(PG_DUMP, ['--no-owner', '--dbname', url], { maxBuffer: 1024 * 1024 * 1024, timeout: 300_000 });
    this.databasesScanned += 1;
    this.scanText(`database ${new URL(url).pathname.slice(1)}`, stdout);
  }

  /** Searches every log file; run at the end, when every secret is known. */
  scanLogs(): void {
    for (const file of this.logFiles) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      this.scanText(`log ${file}`, text);
    }
  }
}
