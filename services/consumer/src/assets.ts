import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

export interface Assets {
  /** By public path, e.g. "/assets/dashboard-4F2K.js". */
  files: ReadonlyMap<string, Asset>;
  dashboardScript: string;
  stylesheet: string;
}

const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

async function buildAssets(): Promise<Assets> {
  const result = await build({
    absWorkingDir: WEB_DIR,
    entryPoints: { dashboard: 'dashboard.ts', styles: 'styles.css' },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    entryNames: '[name]-[hash]',
    outdir: 'out',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  const files = new Map<string, Asset>();
  const byEntry = new Map<string, string>();
  for (const file of result.outputFiles) {
    const name = file.path.slice(file.path.lastIndexOf('/') + 1);
    const extension = name.slice(name.lastIndexOf('.'));
    const type = TYPES[extension];
    if (type === undefined) continue;
    const publicPath = `/assets/${name}`;
    files.set(publicPath, { body: file.contents, type, etag: `"${createHash('sha256').update(file.contents).digest('base64url').slice(0, 16)}"` });
    byEntry.set(name.slice(0, name.indexOf('-')), publicPath);
  }
  const dashboardScript = byEntry.get('dashboard');
  const stylesheet = byEntry.get('styles');
  if (dashboardScript === undefined || stylesheet === undefined) throw new Error('the front-end build produced no dashboard script or stylesheet');
  return { files, dashboardScript, stylesheet };
}

let built: Promise<Assets> | undefined;

/**
 * Builds the browser code in memory at start-up (about a second), so a fresh
 * clone and a read-only container both work without a build step; file names
 * carry a content hash, so browsers may cache them for a year.
 */
export function loadAssets(): Promise<Assets> {
  built ??= buildAssets().catch((error: unknown) => {
    built = undefined;
    throw error;
  });
  return built;
}
