import type { K8sObject } from './schema-validation.ts';

/* Loose shapes of the parts of pod specs the policy checks read. */
export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type?: string };
}
export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; optional?: boolean } };
}
export interface Container {
  name: string;
  image: string;
  env?: EnvVar[];
  envFrom?: unknown[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: SecurityContext;
  startupProbe?: unknown;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  volumeMounts?: { name: string; mountPath: string }[];
}
export interface Volume {
  name: string;
  emptyDir?: unknown;
  secret?: { secretName: string; optional?: boolean };
  persistentVolumeClaim?: { claimName: string };
}
export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  volumes?: Volume[];
  terminationGracePeriodSeconds?: number;
}

export interface PodTemplate {
  readonly owner: K8sObject;
  readonly labels: Record<string, string>;
  readonly spec: PodSpec;
  /** Deployments and the like run for good and need probes; Jobs run to completion. */
  readonly longRunning: boolean;
}

/** Reads a nested field of a parsed manifest, undefined where any step is missing. */
export function at(value: unknown, ...path: string[]): unknown {
  return path.reduce<unknown>((v, key) => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined), value);
}

const TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

/** The pod templates of every workload in a rendering. */
export function podTemplates(objects: readonly K8sObject[]): PodTemplate[] {
  const templates: PodTemplate[] = [];
  for (const object of objects) {
    const path = TEMPLATE_PATHS[object.kind];
    if (!path) continue;
    const template = at(object, ...path) as { metadata?: { labels?: Record<string, string> }; spec: PodSpec } | undefined;
    if (!template) continue;
    templates.push({ owner: object, labels: template.metadata?.labels ?? {}, spec: template.spec, longRunning: !['Job', 'CronJob'].includes(object.kind) });
  }
  return templates;
}

export function containersOf(template: PodTemplate): Container[] {
  return [...(template.spec.initContainers ?? []), ...template.spec.containers];
}

export function describeTemplate(template: PodTemplate, container?: Container): string {
  return `${template.owner.kind}/${template.owner.metadata.name}${container ? ` container ${container.name}` : ''}`;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Kubernetes label-selector semantics; an empty selector matches everything. */
export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    if (operator === 'In' && !(has && values.includes(labels[key]!))) return false;
    if (operator === 'NotIn' && has && values.includes(labels[key]!)) return false;
    if (operator === 'Exists' && !has) return false;
    if (operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** The image name without registry tag or digest, e.g. "pulse-api". */
export function imageRepository(image: string): string {
  return image.replace(/@.*$/, '').replace(/:[^/]*$/, '').split('/').at(-1)!;
}
