import type { K8sObject } from './schema-validation.ts';
import { at, containersOf, describeTemplate, podTemplates, selects, type Container, type PodTemplate, type SecurityContext } from './workloads.ts';

/** Each check returns the problems it found, one line each, so a failure names every offender at once. */

export function imageProblems(objects: readonly K8sObject[]): string[] {
  return podTemplates(objects).flatMap((t) =>
    containersOf(t).flatMap((c) => {
      const tagged = /@sha256:[0-9a-f]{64}$/.test(c.image) || /:[^/:@]+$/.test(c.image);
      if (!tagged) return [`${describeTemplate(t, c)}: image ${c.image} has no tag or digest (that means :latest)`];
      return /:latest$/.test(c.image) ? [`${describeTemplate(t, c)}: image ${c.image} uses :latest`] : [];
    }),
  );
}

function effective(template: PodTemplate, container: Container): SecurityContext {
  const pod = template.spec.securityContext ?? {};
  const own = container.securityContext ?? {};
  return { ...own, runAsNonRoot: own.runAsNonRoot ?? pod.runAsNonRoot, runAsUser: own.runAsUser ?? pod.runAsUser, seccompProfile: own.seccompProfile ?? pod.seccompProfile };
}

export function containerProblems(objects: readonly K8sObject[]): string[] {
  return podTemplates(objects).flatMap((t) =>
    containersOf(t).flatMap((c) => {
      const where = describeTemplate(t, c);
      const problems: string[] = [];
      const security = effective(t, c);
      if (security.runAsNonRoot !== true) problems.push(`${where}: runAsNonRoot is not true`);
      if (security.runAsUser === 0) problems.push(`${where}: runs as uid 0`);
      if (security.readOnlyRootFilesystem !== true) problems.push(`${where}: readOnlyRootFilesystem is not true`);
      if (security.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation is not false`);
      if (!security.capabilities?.drop?.includes('ALL')) problems.push(`${where}: capabilities do not drop ALL`);
      if ((security.capabilities?.add?.length ?? 0) > 0) problems.push(`${where}: adds capabilities`);
      if (security.seccompProfile?.type !== 'RuntimeDefault') problems.push(`${where}: seccompProfile is not RuntimeDefault`);
      for (const resource of ['cpu', 'memory']) {
        if (!c.resources?.requests?.[resource]) problems.push(`${where}: no ${resource} request`);
        if (!c.resources?.limits?.[resource]) problems.push(`${where}: no ${resource} limit`);
      }
      if (t.longRunning) {
        for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) if (!c[probe]) problems.push(`${where}: no ${probe}`);
      }
      // The images run TypeScript through tsx, which caches compiled files in TMPDIR=/tmp.
      const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
      const volume = tmp && t.spec.volumes?.find((v) => v.name === tmp.name);
      if (!volume?.emptyDir) problems.push(`${where}: no emptyDir mounted at /tmp, which a read-only root file system needs`);
      return problems;
    }),
  );
}

export function jobProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata.name}`;
    const job = object.kind === 'Job' ? object.spec : object.kind === 'CronJob' ? (at(object, 'spec', 'jobTemplate', 'spec') as Record<string, unknown>) : undefined;
    if (!job) continue;
    const backoff = job.backoffLimit as number | undefined;
    if (backoff === undefined || backoff > 6) problems.push(`${where}: backoffLimit must be set and at most 6`);
    if (job.activeDeadlineSeconds === undefined) problems.push(`${where}: no activeDeadlineSeconds, so a stuck run never ends`);
    if (object.kind === 'CronJob' && at(object, 'spec', 'concurrencyPolicy') !== 'Forbid') problems.push(`${where}: concurrencyPolicy must be Forbid`);
  }
  return problems;
}

export function serviceProblems(objects: readonly K8sObject[]): string[] {
  const templates = podTemplates(objects);
  return objects
    .filter((o) => o.kind === 'Service')
    .flatMap((service) => {
      const selector = at(service, 'spec', 'selector') as Record<string, string> | undefined;
      if (!selector) return [`Service/${service.metadata.name}: no selector`];
      const targets = templates.filter((t) => (t.owner.metadata.namespace ?? '') === (service.metadata.namespace ?? '') && selects({ matchLabels: selector }, t.labels));
      if (targets.length === 0) return [`Service/${service.metadata.name}: selector ${JSON.stringify(selector)} matches no pod template`];
      const ports = (at(service, 'spec', 'ports') as { targetPort?: string | number }[]) ?? [];
      return ports.flatMap((p) => {
        if (typeof p.targetPort !== 'string') return [];
        const named = targets.some((t) => t.spec.containers.some((c) => ((c as { ports?: { name?: string }[] }).ports ?? []).some((cp) => cp.name === p.targetPort)));
        return named ? [] : [`Service/${service.metadata.name}: targetPort ${p.targetPort} is no container port's name`];
      });
    });
}

/** Names of the Secrets a rendering makes exist: Secrets, ExternalSecrets' targets, SealedSecrets, CloudNativePG's generated ones. */
function providedSecrets(objects: readonly K8sObject[]): Set<string> {
  const names = new Set<string>();
  for (const o of objects) {
    if (o.kind === 'Secret' || o.kind === 'SealedSecret') names.add(o.metadata.name);
    if (o.kind === 'ExternalSecret') names.add((at(o, 'spec', 'target', 'name') as string | undefined) ?? o.metadata.name);
    if (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/')) for (const suffix of ['app', 'ca', 'server', 'replication']) names.add(`${o.metadata.name}-${suffix}`);
  }
  return names;
}

/** Every Secret and PersistentVolumeClaim a pod needs (and does not mark optional) is part of the rendering. */
export function referenceProblems(objects: readonly K8sObject[]): string[] {
  const secrets = providedSecrets(objects);
  const claims = new Set(objects.filter((o) => o.kind === 'PersistentVolumeClaim').map((o) => o.metadata.name));
  return podTemplates(objects).flatMap((t) => {
    const problems: string[] = [];
    for (const c of containersOf(t)) {
      for (const e of c.env ?? []) {
        const ref = e.valueFrom?.secretKeyRef;
        if (ref && !ref.optional && !secrets.has(ref.name)) problems.push(`${describeTemplate(t, c)}: env ${e.name} needs Secret ${ref.name}, which nothing provides`);
      }
    }
    for (const v of t.spec.volumes ?? []) {
      if (v.secret && !v.secret.optional && !secrets.has(v.secret.secretName)) problems.push(`${describeTemplate(t)}: volume ${v.name} needs Secret ${v.secret.secretName}, which nothing provides`);
      if (v.persistentVolumeClaim && !claims.has(v.persistentVolumeClaim.claimName)) problems.push(`${describeTemplate(t)}: volume ${v.name} needs PVC ${v.persistentVolumeClaim.claimName}`);
    }
    return problems;
  });
}

/** Every environment variable a manifest sets is one the service's configuration spec declares. */
export function envProblems(objects: readonly K8sObject[], specs: ReadonlyMap<string, ReadonlySet<string>>, serviceOf: (image: string) => string): string[] {
  return podTemplates(objects).flatMap((t) =>
    containersOf(t).flatMap((c) => {
      const service = serviceOf(c.image);
      const known = specs.get(service);
      if (!known) return [`${describeTemplate(t, c)}: image ${c.image} is no Pulse service with a config spec`];
      const problems = (c.env ?? []).filter((e) => !known.has(e.name)).map((e) => `${describeTemplate(t, c)}: ${e.name} is not in the ${service} config spec`);
      if ((c.envFrom?.length ?? 0) > 0) problems.push(`${describeTemplate(t, c)}: envFrom hides which variables are set; list them under env`);
      return problems;
    }),
  );
}
