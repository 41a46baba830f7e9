import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { METRIC_DEFINITIONS, findMetricDefinition } from '../src/index.ts';
import type { GatewayMetricDefinition } from '../src/index.ts';
import { DASHBOARDS_DIR, RULES_FILE, RULES_TEST_FILE, renderGeneratedFiles } from '../scripts/generators/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';
import { promqlNames } from './promql.ts';

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

/** Checks one PromQL expression; returns the instruments it reads. */
function checkPromQL(expr: string, where: string): GatewayMetricDefinition[] {
  const { metrics, labels } = promqlNames(expr);
  expect(metrics.length, `${where}: no metric in ${expr}`).toBeGreaterThan(0);
  const resolved = metrics.map((m) => resolveMetric(m));
  // Every label the expression names must exist on every metric it reads (no label the catalog lacks).
  for (const { def, labels: allowed } of resolved) {
    for (const l of labels) expect(allowed, `${where}: label ${l} on ${def.prometheusName}`).toContain(l);
  }
  return resolved.map((r) => r.def);
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

describe('Prometheus alert rules', () => {
  const rules = parse(read(RULES_FILE)) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const all = rules.groups.flatMap((g) => g.rules);

  it('cover the monitoring advice: errors, latency, guardrails, auth, cache misses, sessions, lost telemetry, a stalled event loop', () => {
    expect(all.map((r) => r.alert).sort()).toEqual([
      'EnkryptActiveSessionsNearLimit',
      'EnkryptAuthFailureSpike',
      'EnkryptCacheMissRatioHigh',
      'EnkryptEventLoopStalled',
      'EnkryptGuardrailViolationSpike',
      'EnkryptTelemetryDropping',
      'EnkryptToolCallErrorRateHigh',
      'EnkryptToolCallLatencyP95High',
    ]);
  });

  it('query only catalog names and labels, and the catalog lists each alert it feeds', () => {
    const fed = new Map<string, Set<string>>();
    for (const r of all) {
      for (const def of checkPromQL(r.expr, r.alert)) {
        if (!fed.has(def.key)) fed.set(def.key, new Set());
        fed.get(def.key)!.add(r.alert);
      }
    }
    for (const def of METRIC_DEFINITIONS) {
      expect([...(fed.get(def.key) ?? [])].sort(), `${def.name} alerts column`).toEqual([...def.alerts].sort());
    }
  });

  it('test every alert both firing and silent', () => {
    const tests = parse(read(RULES_TEST_FILE)) as {
      tests: { alert_rule_test: { alertname: string; exp_alerts: { exp_labels: Record<string, string> }[] }[]; input_series: { series: string }[] }[];
    };
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
    const promtool = ['/usr/bin/promtool', 'promtool'].find((p) => p.includes('/') ? existsSync(p) : true)!;
    const run = (args: string[]) => {
      try {
        return execFileSync(promtool, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (err) {
        const e = err as { code?: string; stdout?: string; stderr?: string };
        if (e.code === 'ENOENT') throw new Error('promtool not found: install Debian package `prometheus` (.ci/apt-packages.txt)');
        throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      }
    };
    expect(run(['check', 'rules', RULES_FILE])).toContain(`SUCCESS: ${all.length} rules found`);
    expect(run(['test', 'rules', RULES_TEST_FILE])).toContain('SUCCESS');
  });
});
