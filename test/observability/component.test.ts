import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { K8S, kubectlVersion, render } from '../deploy/support/kustomize.ts';
import { validateObject, type K8sObject } from '../deploy/support/schema-validation.ts';
import { podTemplates } from '../deploy/support/workloads.ts';
import { OBSERVABILITY, dashboard } from './observability-files.ts';

const require = createRequire(import.meta.url);
const monitoring = require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1') as Record<string, new (data: unknown) => { validate(): void }>;

/** Kubernetes kinds through the deploy suite's schemas; the Prometheus Operator's kinds through their own models. */
function validate(object: K8sObject): void {
  if (object.apiVersion !== 'monitoring.coreos.com/v1') return validateObject(object);
  const Model = monitoring[object.kind];
  assert.ok(Model, `no schema for ${object.kind}`);
  new Model(object).validate();
}

/** The base, the components the overlays use, and this one, as an overlay would combine them. */
function renderPlatform(components: string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-observability-'));
  try {
    const lines = ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'namespace: pulse', 'resources:', `  - ${relative(dir, join(K8S, 'base'))}`, `  - ${relative(dir, join(K8S, 'base/producer'))}`, 'components:', ...components.map((c) => `  - ${relative(dir, c)}`)];
    writeFileSync(join(dir, 'kustomization.yaml'), `${lines.join('\n')}\n`);
    return render(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('deploy/observability component', () => {
  test('kubectl kustomize renders it alone, and every object validates', () => {
    kubectlVersion();
    const objects = render(OBSERVABILITY);
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, ['ConfigMap/pulse-grafana-dashboard', 'Deployment/canary', 'ExternalSecret/canary-api-key', 'PodMonitor/pulse-api', 'PodMonitor/pulse-canary', 'PodMonitor/pulse-dashboard', 'PrometheusRule/pulse']);
    for (const object of objects) validate(object);
  });

  test('with the platform: each PodMonitor selects a pod template with its named port, CronJobs get the Pushgateway, the dashboard is provisioned', () => {
    const objects = renderPlatform([join(K8S, 'components/network-policies'), join(K8S, 'components/secrets'), OBSERVABILITY, join(OBSERVABILITY, 'with-network-policies')]);
    for (const object of objects) validate(object);
    const templates = podTemplates(objects);
    for (const monitor of objects.filter((o) => o.kind === 'PodMonitor')) {
      const spec = monitor.spec as { selector: { matchLabels: Record<string, string> }; podMetricsEndpoints: { port: string; path: string }[] };
      const selected = templates.filter((t) => Object.entries(spec.selector.matchLabels).every(([k, v]) => t.labels[k] === v));
      assert.ok(selected.length > 0, `${monitor.metadata.name} selects a pod`);
      for (const template of selected) {
        const ports = template.spec.containers.flatMap((c) => (c as { ports?: { name?: string }[] }).ports ?? []).map((p) => p.name);
        assert.ok(ports.includes(spec.podMetricsEndpoints[0]!.port), `${monitor.metadata.name}: ${template.owner.metadata.name} has port ${spec.podMetricsEndpoints[0]!.port}`);
      }
    }
    const cronJobs = objects.filter((o) => o.kind === 'CronJob');
    assert.ok(cronJobs.length > 0);
    for (const template of podTemplates(cronJobs)) assert.ok(template.spec.containers[0]!.env?.some((e) => e.name === 'PUSHGATEWAY_URL'), 'the CronJob pushes its metrics');
    const canary = templates.find((t) => t.owner.metadata.name === 'canary')!;
    assert.equal(canary.spec.containers[0]!.env?.find((e) => e.name === 'MODE')?.value, 'canary');
    const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pulse-grafana-dashboard') as K8sObject & { data: Record<string, string> };
    assert.equal(configMap.metadata.labels?.grafana_dashboard, '1');
    assert.deepEqual(JSON.parse(configMap.data['pulse.json']!), dashboard());
    assert.ok(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-prometheus-scrape'));
  });

  test('the dashboard JSON parses, has every asked-for panel, and its panels do not overlap', () => {
    const board = JSON.parse(readFileSync(join(OBSERVABILITY, 'dashboards/pulse.json'), 'utf8')) as ReturnType<typeof dashboard>;
    const titles = board.panels.map((p) => p.title);
    for (const wanted of ['Request rate', 'Error ratio (5xx)', 'p99 latency by route', 'Messages stored per tenant', 'Duplicates and rejections', 'Database pool', 'Stream subscribers', 'End-to-end latency (p50, p99)', 'Canary: received and lost', 'Canary: end-to-end latency (p50, p99)', 'Producers: sent, retried, spooled, failed']) {
      assert.ok(titles.includes(wanted), `panel "${wanted}"`);
    }
    const cells = new Map<string, string>();
    for (const panel of board.panels) {
      const { x, y, w, h } = panel.gridPos;
      assert.ok(x >= 0 && x + w <= 24, `${panel.title} fits the 24-column grid`);
      if (panel.type !== 'row') assert.ok((panel.targets ?? []).length > 0 && panel.description, `${panel.title} has queries and a description`);
      for (let i = x; i < x + w; i += 1) {
        for (let j = y; j < y + h; j += 1) {
          const other = cells.get(`${i},${j}`);
          assert.equal(other, undefined, `${panel.title} overlaps ${other}`);
          cells.set(`${i},${j}`, panel.title);
        }
      }
    }
  });
});
