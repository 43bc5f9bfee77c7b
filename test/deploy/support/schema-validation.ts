import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import { CNPG_SCHEMAS } from './cnpg-schema.ts';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [field: string]: unknown;
}

type ModelClass = new (data: unknown) => { validate(): void };

const require = createRequire(import.meta.url);

/**
 * Where the model of each API group lives: kubernetes-models for Kubernetes itself, @kubernetes-models/* for
 * Argo CD, cert-manager and External Secrets. The External Secrets models that still support Node 20 stop at
 * v1beta1; ExternalSecret's v1 schema is v1beta1's, promoted, so v1 objects are checked against it.
 */
function modulePath(apiVersion: string): string | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (group === '') return `kubernetes-models/${version}`;
  if (group === 'argoproj.io') return `@kubernetes-models/argo-cd/argoproj.io/${version}`;
  if (group === 'cert-manager.io') return `@kubernetes-models/cert-manager/cert-manager.io/${version}`;
  if (group === 'external-secrets.io') return `@kubernetes-models/external-secrets/external-secrets.io/${version === 'v1' ? 'v1beta1' : version}`;
  if (!group!.includes('.') || group!.endsWith('.k8s.io')) return `kubernetes-models/${group}/${version}`;
  return undefined;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const cnpgValidators = new Map(Object.entries(CNPG_SCHEMAS).map(([kind, schema]) => [kind, ajv.compile(schema)]));

/** Throws, naming the object and every problem, unless the object matches its kind's schema. */
export function validateObject(object: K8sObject): void {
  const id = `${object.kind}/${object.metadata?.name}`;
  if (object.apiVersion === 'postgresql.cnpg.io/v1') {
    const validate = cnpgValidators.get(object.kind);
    if (!validate) throw new Error(`${id}: no schema for CloudNativePG kind ${object.kind}; add it to test/deploy/support/cnpg-schema.ts`);
    if (!validate(object)) throw new Error(`${id}: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);
    return;
  }
  const path = modulePath(object.apiVersion);
  let models: Record<string, ModelClass>;
  try {
    if (!path) throw new Error('unknown API group');
    models = require(path) as Record<string, ModelClass>;
  } catch (error) {
    throw new Error(`${id}: no schema for ${object.apiVersion} (${(error as Error).message})`, { cause: error });
  }
  const Model = models[object.kind];
  if (!Model) throw new Error(`${id}: no schema for kind ${object.kind} in ${object.apiVersion}`);
  const data = object.apiVersion === 'external-secrets.io/v1' ? { ...object, apiVersion: 'external-secrets.io/v1beta1' } : object;
  try {
    new Model(data).validate();
  } catch (error) {
    throw new Error(`${id}: ${(error as Error).message}`, { cause: error });
  }
}
