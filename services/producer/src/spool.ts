import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { MessageInput } from '@pulse/contract';

/** A message as kept in the spool: what will be sent, its id always set. */
export type SpooledMessage = MessageInput & { readonly message_id: string };

const FILE = /^([0-9a-f-]{36})\.json$/;
const TEMP = /^\.([0-9a-f-]{36})\.tmp$/;

/**
 * A durable outbox, one file per message named by its UUIDv7 id, so the name
 * order is the creation order. A file appears whole or not at all: it is
 * written under a temporary name, fsynced, renamed, and the folder fsynced.
 * A file is removed only once the API has answered for its message.
 */
export class Spool {
  readonly dir: string;
  readonly max: number;
  readonly rejectedDir: string;

  private constructor(dir: string, max: number) {
    this.dir = dir;
    this.max = max;
    this.rejectedDir = join(dir, 'rejected');
  }

  /** Opens (creating) the folder and finishes any write a crash interrupted. */
  static async open(dir: string, max: number): Promise<{ spool: Spool; recovered: string[]; discarded: string[] }> {
    const spool = new Spool(dir, max);
    await mkdir(spool.rejectedDir, { recursive: true, mode: 0o700 });
    const recovered: string[] = [];
    const discarded: string[] = [];
    for (const name of await readdir(dir)) {
      const id = TEMP.exec(name)?.[1];
      if (id === undefined) continue;
      const path = join(dir, name);
      // The write finished if the content parses; the message was never acknowledged, so it must still be sent.
      if (parseSpooled(await readFile(path, 'utf8'))?.message_id === id) {
        await rename(path, join(dir, `${id}.json`));
        recovered.push(id);
      } else {
        await unlink(path);
        discarded.push(id);
      }
    }
    if (recovered.length + discarded.length > 0) await syncDir(dir);
    return { spool, recovered, discarded };
  }

  /** Ids of the spooled messages, oldest first. */
  async ids(): Promise<string[]> {
    const ids: string[] = [];
    for (const name of await readdir(this.dir)) {
      const id = FILE.exec(name)?.[1];
      if (id !== undefined) ids.push(id);
    }
    return ids.sort();
  }

  /** Durably adds the message; false when the spool is full. */
  async add(message: SpooledMessage): Promise<boolean> {
    if ((await this.ids()).length >= this.max) return false;
    await writeDurably(this.dir, message.message_id, `${JSON.stringify(message)}\n`);
    return true;
  }

  /** The message; "missing" when another run delivered it meanwhile. */
  async read(id: string): Promise<SpooledMessage | 'missing' | 'unreadable'> {
    try {
      return parseSpooled(await readFile(join(this.dir, `${id}.json`), 'utf8')) ?? 'unreadable';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw error;
    }
  }

  /** Forgets delivered messages; a removal lost to a crash only means a harmless replay. */
  async remove(ids: readonly string[]): Promise<void> {
    for (const id of ids) await unlink(join(this.dir, `${id}.json`)).catch(ignoreMissing);
    if (ids.length > 0) await syncDir(this.dir);
  }

  /** Moves a message the API refused into rejected/, with the reason, for a person to look at. */
  async reject(id: string, reason: { status?: number; code: string; error: string }): Promise<void> {
    const content = await readFile(join(this.dir, `${id}.json`), 'utf8').catch(() => '');
    const record = { message: parseSpooled(content) ?? content, ...reason, rejected_at: new Date().toISOString() };
    await writeDurably(this.rejectedDir, id, `${JSON.stringify(record)}\n`);
    await this.remove([id]);
  }
}

async function writeDurably(dir: string, id: string, content: string): Promise<void> {
  const temp = join(dir, `.${id}.tmp`);
  const file = await open(temp, 'w', 0o600);
  try {
    await file.writeFile(content, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, join(dir, `${id}.json`));
  await syncDir(dir);
}

/** Makes a rename or unlink in the folder survive a power cut, not only a crash. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function parseSpooled(text: string): SpooledMessage | undefined {
  try {
    const value = JSON.parse(text) as Partial<SpooledMessage> | null;
    if (value && typeof value.message_id === 'string' && typeof value.datetime === 'string') return value as SpooledMessage;
  } catch {
    // An unreadable file is reported by the caller; nothing here can repair it.
  }
  return undefined;
}

function ignoreMissing(error: NodeJS.ErrnoException): void {
  if (error.code !== 'ENOENT') throw error;
}
