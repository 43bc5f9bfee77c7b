import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPOSITORY_ROOT } from './build-emulator.ts';
import type { K8sObject } from './schema-validation.ts';

export const K8S = join(REPOSITORY_ROOT, 'deploy/k8s');
export const ARGOCD = join(REPOSITORY_ROOT, 'deploy/argocd');

/** Fails loudly when kubectl is missing: a manifest suite that renders nothing must not pass. */
export function kubectlVersion(): string {
  try {
    return execFileSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  } catch (error) {
    throw new Error(`kubectl is required to render the Kustomize manifests and was not found or failed (${(error as Error).message}). Install kubectl (it bundles kustomize).`, { cause: error });
  }
}

export function parseYaml(text: string, source: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
    const value = document.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

/** `kubectl kustomize <dir>`, parsed. */
export function render(dir: string): K8sObject[] {
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`kubectl kustomize ${dir} failed:\n${stderr}`, { cause: error });
  }
  return parseYaml(output, dir);
}

/** Renders the base with a chosen set of components, through a throw-away kustomization (kustomize wants relative paths). */
export function renderWith(components: string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-kustomize-'));
  try {
    const kustomization = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      'namespace: pulse',
      'resources:',
      `  - ${relative(dir, join(K8S, 'base'))}`,
      ...(components.length > 0 ? ['components:', ...components.map((c) => `  - ${relative(dir, join(K8S, 'components', c))}`)] : []),
    ].join('\n');
    writeFileSync(join(dir, 'kustomization.yaml'), `${kustomization}\n`);
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function subfolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** Every subset of a list, the empty one included. */
export function subsets<T>(items: readonly T[]): T[][] {
  return items.reduce<T[][]>((all, item) => [...all, ...all.map((s) => [...s, item])], [[]]);
}
