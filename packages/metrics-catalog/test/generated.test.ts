import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRIC_DEFINITIONS, findMetricDefinition } from '../src/index.ts';
import type { GatewayMetricDefinition } from '../src/index.ts';
import { DASHBOARDS_DIR, RULES_FILE, RULES_TEST_FILE, SLO_RULES_FILE, SLO_RULES_TEST_FILE, renderGeneratedFiles } from '../scripts/generators/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';
import { promqlNames } from './promql.ts';
import { promtool } from './promtool.ts';

const root = repoRoot();
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

// Labels Prometheus or the collector put on every series besides the instrument's own attributes.
const TARGET_LABELS = ['job', 'instance'];

/** The instrument a PromQL metric name refers to, and the labels a query may use on it. */
function resolveMetric(name: string): { def: GatewayMetricDefinition; labels: string[] } {
  const def = findMetricDefinition(name);
  if (!def) throw new Error(`query uses ${name}, which is not a catalog Prometheus name`);
  if (name !== def.prometheusName && def.kind !== 'histogram') throw new Error(`query uses ${name}, not ${def.prometheusName}`);
  const labels = [...def.attributes.map((a) => a.replace(/[^a-zA-Z0-9_]/g, '_')), ...TARGET_LABELS];
  if (name.endsWith('_bucket')) labels.push('le');
  return { def, labels };
}

/** A series name recorded by recording rules: the labels it keeps, and each rule recording it. */
interface Recorded {
  labels: string[];
  rules: { expr: string; labels: Record<string, string> }[];
}

/** The rules recording `metric` that its selectors' `label="value"` matchers in `expr` can match. */
function matchingRules(expr: string, metric: string, rec: Recorded): Recorded['rules'] {
  const escaped = metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const matchers = [...expr.matchAll(new RegExp(`${escaped}\\{([^}]*)\\}`, 'g'))].flatMap((m) =>
    [...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!] as const),
  );
  return rec.rules.filter((r) => matchers.every(([k, v]) => r.labels[k] === undefined || r.labels[k] === v));
}

/**
 * Checks one PromQL expression; returns the catalog instruments it reads, through any recorded
 * series it uses. Matchers must name labels of their own selector's metric; grouping labels must
 * exist on every metric the expression reads.
 */
function checkPromQL(expr: string, where: string, recorded: ReadonlyMap<string, Recorded> = new Map()): GatewayMetricDefinition[] {
  const { metrics, groupingLabels, selectors } = promqlNames(expr);
  expect(metrics.length, `${where}: no metric in ${expr}`).toBeGreaterThan(0);
  const defs: GatewayMetricDefinition[] = [];
  const allowed = new Map<string, string[]>();
  for (const m of metrics) {
    const rec = recorded.get(m);
    if (rec) {
      const used = matchingRules(expr, m, rec);
      expect(used.length, `${where}: ${m} matches no recording rule`).toBeGreaterThan(0);
      for (const r of used) defs.push(...checkPromQL(r.expr, `${where} → ${m}`, recorded));
      allowed.set(m, rec.labels);
    } else {
      const { def, labels } = resolveMetric(m);
      defs.push(def);
      allowed.set(m, labels);
    }
  }
  for (const { metric, labels } of selectors) {
    for (const l of labels) expect(allowed.get(metric), `${where}: label ${l} on ${metric}`).toContain(l);
  }
  for (const [metric, labels] of allowed) {
    for (const l of groupingLabels) expect(labels, `${where}: grouping label ${l} on ${metric}`).toContain(l);
  }
  return defs;
}

interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { datasource?: { uid: string }; expr?: string; queryType?: string }[];
  gridPos: { x: number; y: number; w: number; h: number };
}

function dashboards(): { file: string; json: { uid: string; panels: Panel[]; templating: { list: Record<string, unknown>[] } } }[] {
  return readdirSync(join(root, DASHBOARDS_DIR))
    .filter((f) => f.endsWith('.json'))
    .map((file) => ({ file, json: JSON.parse(read(`${DASHBOARDS_DIR}/${file}`)) }));
}

function provisionedDatasourceUids(): string[] {
  const file = 'deploy/observability/grafana/provisioning/datasources/datasources.yaml';
  const doc = parse(read(file)) as { datasources: { uid: string }[] };
  return doc.datasources.map((d) => d.uid);
}

describe('generated files', () => {
  it('are in sync with the catalog (run `pnpm --filter @secure-mcp-gateway/metrics-catalog generate`)', () => {
    const files = renderGeneratedFiles();
    expect(Object.keys(files).length).toBeGreaterThanOrEqual(5);
    for (const [rel, content] of Object.entries(files)) {
      const path = join(root, rel);
      expect(existsSync(path), `${rel} is missing`).toBe(true);
      expect(readFileSync(path, 'utf8'), `${rel} is stale`).toBe(content);
    }
    // No leftover dashboard the generator no longer writes.
    const generated = Object.keys(files).filter((f) => f.startsWith(DASHBOARDS_DIR));
    expect(dashboards().map((d) => `${DASHBOARDS_DIR}/${d.file}`).sort()).toEqual(generated.sort());
  });

  it('docs/metrics.md describes every instrument with its type, unit, labels and Prometheus name', () => {
    const doc = read('docs/metrics.md');
    for (const d of METRIC_DEFINITIONS) {
      const line = doc.split('\n').find((l) => l.startsWith(`| \`${d.name}\``));
      expect(line, d.name).toBeDefined();
      expect(line).toContain(`\`${d.prometheusName}`);
      expect(line).toContain(`\`${d.unit}\``);
      for (const a of d.attributes) expect(line).toContain(`\`${a}\``);
      expect(line).toContain(d.recordedBy.replace(/\|/g, '\\|'));
    }
  });
});

describe('Grafana dashboards', () => {
  const uids = provisionedDatasourceUids();

  it('use only the provisioned datasource uids', () => {
    expect(uids.sort()).toEqual(['jaeger', 'loki', 'prometheus']);
    for (const { file, json } of dashboards()) {
      for (const p of json.panels.filter((x) => x.type !== 'row')) {
        expect(uids, `${file}: ${p.title}`).toContain(p.datasource!.uid);
        for (const t of p.targets ?? []) expect(uids, `${file}: ${p.title}`).toContain(t.datasource!.uid);
      }
    }
  });

  it('query only catalog metric names and labels, and the catalog lists each panel it feeds', () => {
    const fed = new Map<string, Set<string>>();
    for (const { file, json } of dashboards()) {
      for (const p of json.panels) {
        if (p.datasource?.uid !== 'prometheus') continue;
        for (const t of p.targets ?? []) {
          for (const def of checkPromQL(t.expr!, `${file}: ${p.title}`)) {
            if (!fed.has(def.key)) fed.set(def.key, new Set());
            fed.get(def.key)!.add(p.title);
          }
        }
      }
      for (const v of json.templating.list) {
        if (v.type !== 'query') continue;
        const m = /^label_values\((\w+), *(\w+)\)$/.exec(String(v.definition));
        expect(m, `${file}: variable ${String(v.name)}`).not.toBeNull();
        expect(resolveMetric(m![1]!).labels).toContain(m![2]);
      }
    }
    for (const def of METRIC_DEFINITIONS) {
      expect([...(fed.get(def.key) ?? [])].sort(), `${def.name} dashboards column`).toEqual([...def.dashboards].sort());
    }
  });

  it('have the panels the issue asks for', () => {
    const panels = dashboards().flatMap((d) => d.json.panels);
    const byTitle = (t: string) => panels.find((p) => p.title === t);
    for (const t of [
      'Tool-call rate', 'Tool-call success / failure rate', 'Tool-call latency (p50 / p95 / p99)',
      'Blocked tool calls by violation type and direction', 'Guardrail violations by type and direction',
      'PII redactions by type and direction', 'Cache hit ratio', 'Authentication success / failure',
      'Active sessions', 'Active users', 'Timeout escalations',
    ]) {
      expect(byTitle(t), t).toBeDefined();
    }
    const latency = byTitle('Tool-call latency (p50 / p95 / p99)')!;
    expect(latency.targets!.map((t) => /histogram_quantile\((0\.\d+),/.exec(t.expr!)![1])).toEqual(['0.5', '0.95', '0.99']);
    for (const t of latency.targets!) expect(t.expr).toContain('enkrypt_tool_call_duration_seconds_bucket');
    expect(panels.some((p) => p.type === 'logs' && p.datasource?.uid === 'loki' && p.targets![0]!.expr!.includes('service_name'))).toBe(true);
    expect(panels.some((p) => p.datasource?.uid === 'jaeger' && p.targets![0]!.queryType === 'search')).toBe(true);
  });

  it('lay panels out inside the 24-column grid without overlaps', () => {
    for (const { file, json } of dashboards()) {
      const cells = new Set<string>();
      for (const p of json.panels) {
        const { x, y, w, h } = p.gridPos;
        expect(x + w, `${file}: ${p.title}`).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `${file}: ${p.title} overlaps`).toBe(false);
            cells.add(`${i},${j}`);
          }
        }
      }
    }
  });
});

interface RuleFile {
  groups: { name: string; rules: ({ alert: string; expr: string; labels: Record<string, string> } | { record: string; expr: string; labels?: Record<string, string> })[] }[];
}

describe('Prometheus alert rules', () => {
  const ruleFiles = [RULES_FILE, SLO_RULES_FILE];
  const testFiles = [RULES_TEST_FILE, SLO_RULES_TEST_FILE];
  const rules: RuleFile = { groups: ruleFiles.flatMap((f) => (parse(read(f)) as RuleFile).groups) };
  const everyRule = rules.groups.flatMap((g) => g.rules);
  const all = everyRule.filter((r): r is { alert: string; expr: string; labels: Record<string, string> } => 'alert' in r);
  /** Recorded series: the labels they keep (their grouping labels and rule labels). */
  const recorded = new Map<string, Recorded>();
  for (const r of everyRule) {
    if (!('record' in r)) continue;
    const labels = [...promqlNames(r.expr).groupingLabels, ...Object.keys(r.labels ?? {})].sort();
    const seen = recorded.get(r.record);
    // One recorded name per window, several SLOs under the `slo` label: the same labels each time.
    if (seen) expect(labels, r.record).toEqual(seen.labels);
    recorded.set(r.record, { labels, rules: [...(seen?.rules ?? []), { expr: r.expr, labels: r.labels ?? {} }] });
  }

  it('cover the monitoring advice: errors, latency, guardrails, auth, cache misses, sessions, lost telemetry, SLO burn rates, a stalled event loop', () => {
    expect(all.map((r) => r.alert).sort()).toEqual([
      'EnkryptActiveSessionsNearLimit',
      'EnkryptAuthFailureSpike',
      'EnkryptCacheMissRatioHigh',
      'EnkryptEventLoopStalled',
      'EnkryptGuardrailViolationSpike',
      'EnkryptTelemetryDropping',
      'EnkryptToolCallErrorRateHigh',
      'EnkryptToolCallErrorsFastBurn',
      'EnkryptToolCallErrorsSlowBurn',
      'EnkryptToolCallLatencyFastBurn',
      'EnkryptToolCallLatencyP95High',
      'EnkryptToolCallLatencySlowBurn',
    ]);
  });

  it('query only catalog names and labels (through recorded series), and the catalog lists each alert it feeds', () => {
    const fed = new Map<string, Set<string>>();
    for (const r of all) {
      for (const def of checkPromQL(r.expr, r.alert, recorded)) {
        if (!fed.has(def.key)) fed.set(def.key, new Set());
        fed.get(def.key)!.add(r.alert);
      }
    }
    for (const def of METRIC_DEFINITIONS) {
      expect([...(fed.get(def.key) ?? [])].sort(), `${def.name} alerts column`).toEqual([...def.alerts].sort());
    }
  });

  it('record every series an alert reads, earlier in the same group (so the alert reads this evaluation\'s value)', () => {
    for (const group of rules.groups) {
      const before = new Set<string>();
      for (const r of group.rules) {
        if ('record' in r) before.add(r.record);
        else for (const m of promqlNames(r.expr).metrics) if (recorded.has(m)) expect(before, `${r.alert} reads ${m}`).toContain(m);
      }
    }
  });

  it('test every alert both firing and silent', () => {
    type Tests = {
      tests: { alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[]; input_series: { series: string }[] }[];
    };
    const tests = { tests: testFiles.flatMap((f) => (parse(read(f)) as Tests).tests) };
    for (const r of all) {
      const groups = tests.tests.filter((t) => t.alert_rule_test.some((a) => a.alertname === r.alert));
      const fires = groups.flatMap((g) => g.alert_rule_test).filter((a) => a.alertname === r.alert && a.exp_alerts.length > 0);
      expect(fires.length, `${r.alert} never fires`).toBeGreaterThan(0);
      // Silent: an evaluation expecting no alert, or an input series no expected alert matches.
      const silent = groups.some((g) => {
        const expects = g.alert_rule_test.filter((a) => a.alertname === r.alert);
        if (expects.some((a) => a.exp_alerts.length === 0)) return true;
        const wanted = expects.flatMap((a) => a.exp_alerts.map((e) => e.exp_labels));
        return g.input_series.some(({ series }) => {
          const labels = Object.fromEntries([...series.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
          return !wanted.some((w) => Object.entries(w).every(([k, v]) => k === 'severity' || labels[k] === v));
        });
      });
      expect(silent, `${r.alert} is never tested silent`).toBe(true);
    }
  });

  it('pass `promtool check rules` and `promtool test rules`', () => {
    const run = (args: string[]) => promtool(args, root);
    const counts = ruleFiles.map((f) => (parse(read(f)) as RuleFile).groups.flatMap((g) => g.rules).length);
    ruleFiles.forEach((f, i) => expect(run(['check', 'rules', f])).toContain(`SUCCESS: ${counts[i]} rules found`));
    for (const f of testFiles) expect(run(['test', 'rules', f])).toContain('SUCCESS');
  });
});
