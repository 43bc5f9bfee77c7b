import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const OBSERVABILITY = join(REPOSITORY_ROOT, 'deploy/observability');

export interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: Rule[];
}

export interface DashboardPanel {
  type: string;
  title: string;
  description?: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; legendFormat?: string }[];
  fieldConfig?: { defaults?: { unit?: string } };
}

/** The rule groups of the PrometheusRule: exactly a Prometheus rule file's `groups`. */
export function ruleGroups(): RuleGroup[] {
  const rule = parse(readFileSync(join(OBSERVABILITY, 'prometheusrule.yaml'), 'utf8')) as { spec: { groups: RuleGroup[] } };
  return rule.spec.groups;
}

export function alerts(): Rule[] {
  return ruleGroups().flatMap((g) => g.rules.filter((r) => r.alert !== undefined));
}

export function dashboard(): { title: string; uid: string; panels: DashboardPanel[] } {
  return JSON.parse(readFileSync(join(OBSERVABILITY, 'dashboards/pulse.json'), 'utf8')) as { title: string; uid: string; panels: DashboardPanel[] };
}

/** Grafana's own variable, replaced for Prometheus as a 15 s scrape interval would make it. */
export function forPrometheus(expr: string, rateInterval = '1m'): string {
  return expr.replaceAll('$__rate_interval', rateInterval);
}

/**
 * Metric names an expression reads: every identifier left once strings, label
 * matchers, ranges, groupings, durations, numbers and function calls are taken out.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"[^"]*"/g, '')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\boffset\s+[0-9]+[smhdwy]/g, '');
  const words = bare.match(/(?<![0-9a-zA-Z_:.])[a-zA-Z_:][a-zA-Z0-9_:]*(?![a-zA-Z0-9_:]|\s*\()/g) ?? [];
  const keywords = new Set(['and', 'or', 'unless', 'bool']);
  return [...new Set(words.filter((w) => !keywords.has(w)))];
}
