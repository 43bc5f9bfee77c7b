import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, stringify } from 'yaml';
import { OBSERVABILITY, REPOSITORY_ROOT, alerts, dashboard, forPrometheus, ruleGroups } from './observability-files.ts';

/** Fails loudly when promtool is missing: rule tests that run nothing must not pass. */
function promtool(args: string[], cwd: string): string {
  try {
    return execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: string; stdout?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error("promtool is required and was not found: apt-get install prometheus (Debian's package ships promtool)", { cause: error });
    throw new Error(`promtool ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

const runbookAnchors = (): Set<string> =>
  new Set(readFileSync(join(REPOSITORY_ROOT, 'docs/runbook.md'), 'utf8').split('\n').filter((l) => l.startsWith('## ')).map((l) => l.slice(3).trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));

describe('alert rules', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-rules-'));
    writeFileSync(join(dir, 'pulse.rules.yaml'), stringify({ groups: ruleGroups() }));
    writeFileSync(join(dir, 'rules.test.yaml'), readFileSync(join(OBSERVABILITY, 'rules.test.yaml')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('promtool check rules accepts the PrometheusRule groups', () => {
    assert.match(promtool(['check', 'rules', 'pulse.rules.yaml'], dir), /SUCCESS: 8 rules found/);
  });

  test('promtool test rules: every unit test passes', () => {
    assert.match(promtool(['test', 'rules', 'rules.test.yaml'], dir), /SUCCESS/);
  });

  test('every alert has a unit test in which it fires, and one in which it stays quiet', () => {
    const tests = (parse(readFileSync(join(OBSERVABILITY, 'rules.test.yaml'), 'utf8')) as { tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[] }).tests;
    const cases = tests.flatMap((t) => t.alert_rule_test ?? []);
    for (const { alert } of alerts()) {
      const mine = cases.filter((c) => c.alertname === alert);
      assert.ok(mine.some((c) => c.exp_alerts.length > 0), `${alert} fires in a test`);
      assert.ok(mine.some((c) => c.exp_alerts.length === 0), `${alert} stays quiet in a test`);
    }
  });

  test('every alert has a severity, a summary and a runbook_url to a section of docs/runbook.md', () => {
    const anchors = runbookAnchors();
    for (const rule of alerts()) {
      assert.match(rule.labels?.severity ?? '', /^(critical|warning)$/, `${rule.alert} severity`);
      assert.ok(rule.annotations?.summary, `${rule.alert} summary`);
      const url = rule.annotations?.runbook_url ?? '';
      assert.match(url, /^https:\/\/github\.com\/pulse-project\/pulse\/blob\/main\/docs\/runbook\.md#[a-z0-9-]+$/, `${rule.alert} runbook_url`);
      const anchor = url.slice(url.indexOf('#') + 1);
      assert.equal(anchor, rule.alert!.toLowerCase(), `${rule.alert}: the anchor is the alert's name`);
      assert.ok(anchors.has(anchor), `docs/runbook.md has a section "## ${rule.alert}"`);
    }
  });

  test("every dashboard query is valid PromQL (promtool parses each as a recording rule)", () => {
    const rules = dashboard().panels.flatMap((p) => (p.targets ?? []).map((t, i) => ({ record: `dashboard:${p.title.replace(/[^a-zA-Z0-9]+/g, '_')}:${i}`, expr: forPrometheus(t.expr) })));
    assert.ok(rules.length >= 20);
    writeFileSync(join(dir, 'dashboard.rules.yaml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
    assert.match(promtool(['check', 'rules', 'dashboard.rules.yaml'], dir), new RegExp(`SUCCESS: ${rules.length} rules found`));
  });
});
