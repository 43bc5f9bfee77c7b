import { describe, test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPOSITORY_ROOT } from './support/build-emulator.ts';
import { ARGOCD, K8S, kubectlVersion, parseYaml, render, renderWith, subfolders, subsets } from './support/kustomize.ts';
import { NetworkPolicies, type Pod } from './support/network-policy.ts';
import { containerProblems, envProblems, imageProblems, jobProblems, referenceProblems, serviceProblems } from './support/policies.ts';
import { validateObject, type K8sObject } from './support/schema-validation.ts';
import { at, imageRepository, podTemplates } from './support/workloads.ts';

const ENVIRONMENTS = subfolders(join(K8S, 'overlays'));
const OPTIONAL_COMPONENTS = ['network-policies', 'secrets'];
const DATABASE_CHOICES = [[], ['cloudnative-pg'], ['external-database']];
const SPEC_EXPORTS = { api: ['@pulse/api', 'apiConfigSpec'], producer: ['@pulse/producer', 'producerConfigSpec'], consumer: ['@pulse/consumer', 'consumerConfigSpec'] } as const;

/** One environment as Argo CD deploys it: the overlay plus every tenant's producer. */
function renderEnvironment(env: string): K8sObject[] {
  const tenants = subfolders(join(K8S, 'overlays', env, 'tenants'));
  return [...render(join(K8S, 'overlays', env)), ...tenants.flatMap((t) => render(join(K8S, 'overlays', env, 'tenants', t)))];
}

function problemsIn(objects: readonly K8sObject[], validate: (o: K8sObject) => void): string[] {
  return objects.flatMap((o) => {
    try {
      validate(o);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
}

const assertNone = (problems: string[], what: string): void => assert.deepEqual(problems, [], `${what}:\n  ${problems.join('\n  ')}`);

describe('Kubernetes manifests', () => {
  const environments = new Map<string, K8sObject[]>();

  before(() => {
    kubectlVersion();
    for (const env of ENVIRONMENTS) environments.set(env, renderEnvironment(env));
  });

  test('kubectl with kustomize is installed (the suite fails rather than skipping without it)', () => {
    assert.match(kubectlVersion(), /Kustomize Version: v5/);
  });

  test('overlays dev and prod exist, each with at least one tenant', () => {
    assert.deepEqual(ENVIRONMENTS, ['dev', 'prod']);
    for (const env of ENVIRONMENTS) assert.ok(subfolders(join(K8S, 'overlays', env, 'tenants')).length > 0, `${env} has tenants`);
  });

  test('every environment validates against the Kubernetes, CloudNativePG, cert-manager and External Secrets schemas', () => {
    for (const [env, objects] of environments) assertNone(problemsIn(objects, validateObject), `${env}: schema violations`);
  });

  test('every combination of components renders, validates and passes the container policies', () => {
    for (const database of DATABASE_CHOICES) {
      for (const optional of subsets(OPTIONAL_COMPONENTS)) {
        const components = [...database, ...optional];
        const objects = renderWith(components);
        const what = `base + [${components.join(', ')}]`;
        assertNone(problemsIn(objects, validateObject), `${what}: schema violations`);
        assertNone([...imageProblems(objects), ...containerProblems(objects), ...jobProblems(objects), ...serviceProblems(objects)], `${what}: policy violations`);
      }
    }
  });

  test('no :latest, and every container has probes (long-running), requests and limits, and a locked-down securityContext', () => {
    for (const [env, objects] of environments) {
      assertNone([...imageProblems(objects), ...containerProblems(objects), ...jobProblems(objects)], `${env}: policy violations`);
    }
  });

  test('every Service selects a pod template, by a named port that exists', () => {
    for (const [env, objects] of environments) assertNone(serviceProblems(objects), env);
  });

  test('every Secret and volume claim a pod needs is provided by the same environment', () => {
    for (const [env, objects] of environments) assertNone(referenceProblems(objects), env);
  });

  test('the API: Service api-service 80 -> 3000, at least 2 replicas, probes on /healthz and /readyz, PDB, HPA, spread, a grace period above SHUTDOWN_DELAY', () => {
    for (const [env, objects] of environments) {
      const find = (kind: string, name: string): K8sObject => {
        const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
        assert.ok(found, `${env}: ${kind}/${name}`);
        return found;
      };
      const service = find('Service', 'api-service');
      assert.deepEqual((at(service, 'spec', 'ports') as { port: number }[]).map((p) => p.port), [80]);
      const deployment = find('Deployment', 'api');
      assert.ok((at(deployment, 'spec', 'replicas') as number) >= 2);
      const template = podTemplates([deployment])[0]!;
      const api = template.spec.containers[0]!;
      assert.equal(at(api, 'ports', '0', 'containerPort'), 3000);
      assert.equal(at(api, 'livenessProbe', 'httpGet', 'path'), '/healthz');
      assert.equal(at(api, 'startupProbe', 'httpGet', 'path'), '/healthz');
      assert.equal(at(api, 'readinessProbe', 'httpGet', 'path'), '/readyz');
      const delay = api.env?.find((e) => e.name === 'SHUTDOWN_DELAY')?.value;
      assert.ok(delay && /^\d+s$/.test(delay), 'SHUTDOWN_DELAY is set in seconds');
      assert.ok((template.spec.terminationGracePeriodSeconds ?? 30) > Number.parseInt(delay, 10) + 10, 'grace period covers the delay and the drain');
      assert.ok((at(template, 'spec', 'topologySpreadConstraints') as unknown[]).length > 0);
      assert.ok((at(find('HorizontalPodAutoscaler', 'api'), 'spec', 'minReplicas') as number) >= 2);
      find('PodDisruptionBudget', 'api');
      const ingress = find('Ingress', 'consumer');
      const issuer = ingress.metadata.annotations?.['cert-manager.io/issuer'];
      assert.ok(issuer && objects.some((o) => o.kind === 'Issuer' && o.metadata.name === issuer), 'the Ingress names an Issuer of the environment');
      assert.ok((at(ingress, 'spec', 'tls') as unknown[]).length > 0);
    }
  });

  test('sync waves: database, then migration, then API, then dashboard and producers', () => {
    const wave = (o: K8sObject | undefined): number => Number(o?.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
    for (const [env, objects] of environments) {
      const database = objects.find((o) => o.kind === 'Cluster');
      const migrate = objects.find((o) => o.kind === 'Job' && o.metadata.name === 'migrate');
      const api = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api');
      const consumer = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'consumer');
      const producers = objects.filter((o) => o.kind === 'CronJob');
      assert.ok(database && migrate && api && consumer && producers.length > 0, `${env}: all parts present`);
      assert.ok(wave(database) < wave(migrate) && wave(migrate) < wave(api), `${env}: database < migration < API`);
      for (const later of [consumer, ...producers]) assert.ok(wave(api) < wave(later), `${env}: API before ${later.kind}/${later.metadata.name}`);
      assert.equal(migrate.metadata.annotations?.['argocd.argoproj.io/hook'], 'Sync', 'the migration Job is re-created by every sync');
    }
  });

  test('network policies: deny by default, then only producer/dashboard -> API, API/migration -> PostgreSQL, and DNS', () => {
    for (const [env, objects] of environments) {
      const policies = new NetworkPolicies(objects);
      assert.ok(policies.count > 0, `${env} uses the network-policies component`);
      const pods: Pod[] = podTemplates(objects).map((t) => ({ name: `${t.owner.kind}/${t.owner.metadata.name}`, namespace: 'pulse', labels: t.labels }));
      const byName = (name: string): Pod => {
        const pod = pods.find((p) => p.labels['app.kubernetes.io/name'] === name);
        assert.ok(pod, `${env}: a ${name} pod`);
        return pod;
      };
      const database: Pod = { name: 'postgres', namespace: 'pulse', labels: { 'cnpg.io/cluster': 'pulse-db' } };
      const pooler: Pod = { name: 'pooler', namespace: 'pulse', labels: { 'cnpg.io/poolerName': 'pulse-db-pooler-rw' } };
      const dns: Pod = { name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
      const stranger: Pod = { name: 'stranger', namespace: 'pulse', labels: { app: 'stranger' } };
      for (const pod of [...pods, database, pooler]) {
        assert.ok(policies.allowingPoliciesFor(pod) > 0, `${env}: ${pod.name} is selected by a NetworkPolicy that allows something`);
        assert.ok(policies.allows(pod, dns, 53), `${env}: ${pod.name} resolves names`);
      }
      const [producer, consumer, api, migrate] = ['producer', 'consumer', 'api', 'migrate'].map(byName) as [Pod, Pod, Pod, Pod];
      const allowed: [Pod, Pod, number][] = [[producer, api, 3000], [consumer, api, 3000], [api, pooler, 5432], [api, database, 5432], [migrate, database, 5432], [pooler, database, 5432]];
      const denied: [Pod, Pod, number][] = [[producer, database, 5432], [consumer, database, 5432], [producer, consumer, 3000], [api, consumer, 3000], [stranger, api, 3000], [producer, pooler, 5432], [stranger, database, 5432]];
      for (const [from, to, port] of allowed) assert.ok(policies.allows(from, to, port), `${env}: ${from.name} -> ${to.name}:${port} should be allowed`);
      for (const [from, to, port] of denied) assert.ok(!policies.allows(from, to, port), `${env}: ${from.name} -> ${to.name}:${port} should be denied`);
    }
  });

  test('each tenant folder deploys one producer whose key is that tenant\'s entry in the secret store', () => {
    for (const env of ENVIRONMENTS) {
      for (const tenant of subfolders(join(K8S, 'overlays', env, 'tenants'))) {
        const objects = render(join(K8S, 'overlays', env, 'tenants', tenant));
        assert.equal(objects.filter((o) => o.kind === 'CronJob').length, 1, `${env}/${tenant}: one producer`);
        assert.ok(objects.every((o) => o.metadata.name.endsWith(`-${tenant}`) && o.metadata.labels?.['pulse.dev/tenant'] === tenant), `${env}/${tenant}: names and labels carry the tenant`);
        const key = objects.find((o) => o.kind === 'ExternalSecret');
        assert.equal(at(key, 'spec', 'data', '0', 'remoteRef', 'key'), `pulse-tenant-${tenant}`, `${env}/${tenant}: the key is the tenant's own`);
      }
    }
  });

  test('every environment variable set in a manifest is known to its service\'s config spec', async () => {
    const specs = new Map<string, ReadonlySet<string>>();
    for (const [service, [specifier, name]] of Object.entries(SPEC_EXPORTS)) {
      // Imported by name at run time so that a missing export fails this test clearly instead of the type check.
      const load = (id: string): Promise<Record<string, unknown>> => import(id) as Promise<Record<string, unknown>>;
      const module = await load(specifier).catch((error: unknown) => assert.fail(`cannot import ${specifier}: ${(error as Error).message}`));
      const spec = module[name];
      assert.ok(spec && typeof spec === 'object', `${specifier} must export ${name} (its environment variables)`);
      specs.set(service, new Set(Object.keys(spec)));
    }
    const serviceOf = (image: string): string => imageRepository(image).replace(/^pulse-/, '');
    for (const [env, objects] of environments) assertNone(envProblems(objects, specs, serviceOf), env);
  });
});

describe('Argo CD', () => {
  const roots = ENVIRONMENTS.map((env) => join(ARGOCD, `root-${env}.yaml`));
  const gitops = new Map<string, K8sObject[]>();

  before(() => {
    kubectlVersion();
    for (const env of ENVIRONMENTS) gitops.set(env, [...render(join(ARGOCD, 'envs', env)), ...parseYaml(readFileSync(join(ARGOCD, `root-${env}.yaml`), 'utf8'), `root-${env}.yaml`)]);
  });

  test('every Argo CD object validates against the Argo CD schemas', () => {
    for (const root of roots) assert.ok(existsSync(root), root);
    for (const [env, objects] of gitops) assertNone(problemsIn(objects, validateObject), env);
  });

  test('applications sync automatically with prune and self-heal, from paths that exist, within their project', () => {
    for (const [env, objects] of gitops) {
      const projects = new Map(objects.filter((o) => o.kind === 'AppProject').map((o) => [o.metadata.name, o]));
      const specs = [
        ...objects.filter((o) => o.kind === 'Application').map((o) => o.spec!),
        ...objects.filter((o) => o.kind === 'ApplicationSet').map((o) => at(o, 'spec', 'template', 'spec') as Record<string, unknown>),
      ];
      assert.ok(specs.length >= 3, `${env}: root, platform and tenants`);
      for (const spec of specs) {
        assert.deepEqual(at(spec, 'syncPolicy', 'automated'), { prune: true, selfHeal: true }, `${env}: automated sync with prune and self-heal`);
        const project = projects.get(spec.project as string);
        assert.ok(project, `${env}: project ${String(spec.project)} is defined (not "default")`);
        const repo = at(spec, 'source', 'repoURL');
        assert.ok((at(project, 'spec', 'sourceRepos') as string[]).includes(repo as string), `${env}: ${String(repo)} is allowed by ${project.metadata.name}`);
        const destination = at(spec, 'destination', 'namespace');
        assert.ok((at(project, 'spec', 'destinations') as { namespace: string }[]).some((d) => d.namespace === destination), `${env}: namespace ${String(destination)} is allowed`);
        const path = at(spec, 'source', 'path') as string;
        if (!path.includes('{{')) assert.ok(existsSync(join(REPOSITORY_ROOT, path)), `${env}: ${path} exists`);
      }
      for (const project of projects.values()) {
        assert.ok(!(at(project, 'spec', 'sourceRepos') as string[]).includes('*'), 'no wildcard source');
        assert.ok(!(at(project, 'spec', 'destinations') as { namespace: string }[]).some((d) => d.namespace === '*'), 'no wildcard destination');
      }
    }
  });

  test('the tenant ApplicationSet uses a git generator over the environment\'s tenant folders', () => {
    for (const [env, objects] of gitops) {
      const appset = objects.find((o) => o.kind === 'ApplicationSet');
      assert.ok(appset, env);
      const path = at(appset, 'spec', 'generators', '0', 'git', 'directories', '0', 'path');
      assert.equal(path, `deploy/k8s/overlays/${env}/tenants/*`);
      const wave = (o: K8sObject): number => Number(o.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
      const platform = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'pulse-platform');
      assert.ok(platform && wave(platform) < wave(appset), `${env}: the platform syncs before the tenants' producers`);
    }
  });

  test('the workload project allows every kind the environment deploys, and nothing cluster-wide but the Namespace', () => {
    for (const [env, objects] of gitops) {
      const project = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'pulse');
      assert.ok(project, env);
      const allowed = new Set([...(at(project, 'spec', 'namespaceResourceWhitelist') as { group: string; kind: string }[]), ...(at(project, 'spec', 'clusterResourceWhitelist') as { group: string; kind: string }[])].map((r) => `${r.group}/${r.kind}`));
      const used = new Set(renderEnvironment(env).map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
      assertNone([...used].filter((k) => !allowed.has(k)), `${env}: kinds the project does not allow`);
      assert.deepEqual(at(project, 'spec', 'clusterResourceWhitelist'), [{ group: '', kind: 'Namespace' }]);
    }
  });
});
