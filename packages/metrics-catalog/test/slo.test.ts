/**
 * The SLO burn-rate rules as committed: the SRE workbook's windows and factors, recording rules
 * that sum a job's replicas, promtool cases that show each gating, and generator guards.
 * (`promtool test rules` itself runs in generated.test.ts.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SLO_DEFINITIONS, getMetricDefinition } from '../src/index.ts';
import type { SloDefinition } from '../src/index.ts';
import { SLO_RULES_FILE, SLO_RULES_TEST_FILE } from '../scripts/generators/index.ts';
import { leMatcher } from '../scripts/generators/promql.ts';
import { badRatioExpr, errorBudget, sloAlertName } from '../scripts/generators/slo.ts';
import { repoRoot } from '../scripts/repo-root.ts';

const root = repoRoot();
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
}
const rules = (parse(read(SLO_RULES_FILE)) as { groups: { name: string; rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

interface Case {
  name: string;
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: unknown[] }[];
  promql_expr_test?: { expr: string; eval_time: string; exp_samples: { value: number }[] }[];
}
const cases = (parse(read(SLO_RULES_TEST_FILE)) as { tests: Case[] }).tests;

/** The (long, short, factor) window pairs of a burn-rate alert, read back from its expression. */
function windowPairs(expr: string): { long: string; short: string; factor: number; budget: number }[] {
  return expr.split(/\nor\n/).map((branch) => {
    const parts = [...branch.matchAll(/ratio_rate(\w+)\{slo="\w+"\} > ([\d.]+) \* ([\d.]+)/g)];
    expect(parts, branch).toHaveLength(2);
    const [long, short] = parts as [RegExpMatchArray, RegExpMatchArray];
    expect(long[2], 'both windows use the same factor').toBe(short[2]);
    return { long: long[1]!, short: short[1]!, factor: Number(long[2]), budget: Number(long[3]) };
  });
}

const minutes = (t: string) => {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?$/.exec(t)!;
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
};

describe.each(SLO_DEFINITIONS.map((slo) => [slo.id, slo] as const))('SLO %s', (_, slo) => {
  const fast = rules.find((r) => r.alert === sloAlertName(slo, 'Fast'))!;
  const slow = rules.find((r) => r.alert === sloAlertName(slo, 'Slow'))!;

  it('pages on the workbook fast burns (14.4x over 1h and 5m, 6x over 6h and 30m) and tickets the slow ones (3x over 1d and 2h, 1x over 3d and 6h)', () => {
    expect(slo.periodDays, 'the workbook factors are for a 30-day period').toBe(30);
    expect(fast.labels).toEqual({ severity: 'critical', slo: slo.id });
    expect(slow.labels).toEqual({ severity: 'warning', slo: slo.id });
    const budget = Number((1 - slo.objective).toFixed(6));
    expect(windowPairs(fast.expr)).toEqual([
      { long: '1h', short: '5m', factor: 14.4, budget },
      { long: '6h', short: '30m', factor: 6, budget },
    ]);
    expect(windowPairs(slow.expr)).toEqual([
      { long: '1d', short: '2h', factor: 3, budget },
      { long: '3d', short: '6h', factor: 1, budget },
    ]);
  });

  it('records its bad ratio for every window, summed across a job\'s replicas, from its catalog rows', () => {
    const windows = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];
    const recorded = rules.filter((r) => r.record && r.labels?.slo === slo.id);
    expect(recorded.map((r) => r.record)).toEqual(windows.map((w) => `job:enkrypt_slo_errors:ratio_rate${w}`));
    for (const r of recorded) {
      // Every rate is summed by job: replicas (instance) and upstreams (server, tool) fold into one gateway.
      const aggregations = [...r.expr.matchAll(/sum by \(([^)]*)\) \(rate\(/g)].map((m) => m[1]);
      expect(aggregations.length, r.record).toBeGreaterThan(0);
      expect(new Set(aggregations), r.record).toEqual(new Set(['job']));
      const w = r.record!.replace('job:enkrypt_slo_errors:ratio_rate', '');
      const sli = slo.indicator;
      if (sli.kind === 'ratio') {
        expect(r.expr).toContain(`rate(${getMetricDefinition(sli.bad).prometheusName}[${w}])`);
        expect(r.expr).toContain(`rate(${getMetricDefinition(sli.total).prometheusName}[${w}])`);
      } else {
        const name = getMetricDefinition(sli.histogram).prometheusName;
        expect(r.expr).toContain(`rate(${name}_bucket{${leMatcher(sli.thresholdSeconds)}}[${w}])`);
        expect(r.expr).toContain(`rate(${name}_count[${w}])`);
      }
    }
  });

  it('has promtool cases where the page fires, is held back by its long windows, and is stopped by its short ones', () => {
    const group = cases.find((c) => c.alert_rule_test.some((t) => t.alertname === fast.alert && t.exp_alerts.length > 0))!;
    expect(group, `${fast.alert} never fires in a case`).toBeDefined();
    const evals = group.alert_rule_test.filter((t) => t.alertname === fast.alert).sort((a, b) => minutes(a.eval_time) - minutes(b.eval_time));
    expect(evals.map((t) => t.exp_alerts.length > 0)).toEqual([false, true, false]);
    // At both quiet evaluations some window is over its threshold (proved by promql_expr_test).
    const proofs = group.promql_expr_test ?? [];
    for (const quiet of [evals[0]!, evals[2]!]) {
      const at = proofs.filter((p) => p.eval_time === quiet.eval_time);
      expect(at.length, `${fast.alert} at ${quiet.eval_time}`).toBeGreaterThan(0);
      for (const p of at) expect(p.exp_samples.map((s) => s.value)).toEqual([1]);
    }
    const early = proofs.filter((p) => p.eval_time === evals[0]!.eval_time).map((p) => p.expr);
    const late = proofs.filter((p) => p.eval_time === evals[2]!.eval_time).map((p) => p.expr);
    expect(early.every((e) => /ratio_rate(5m|30m)\{/.test(e)), 'before: the short windows are over').toBe(true);
    expect(late.every((e) => /ratio_rate(1h|6h)\{/.test(e)), 'after: the long windows are over').toBe(true);
  });

  it('has promtool cases where the ticket fires and then resolves while its 3d window is still over 1x', () => {
    const group = cases.find((c) => c.alert_rule_test.some((t) => t.alertname === slow.alert && t.exp_alerts.length > 0))!;
    expect(group, `${slow.alert} never fires in a case`).toBeDefined();
    const quiet = group.alert_rule_test.find((t) => t.alertname === slow.alert && t.exp_alerts.length === 0)!;
    expect(quiet).toBeDefined();
    expect(group.promql_expr_test?.some((p) => p.eval_time === quiet.eval_time && /ratio_rate3d\{/.test(p.expr))).toBe(true);
    // The same moderate burn never pages.
    expect(group.alert_rule_test.some((t) => t.alertname === fast.alert && t.exp_alerts.length === 0)).toBe(true);
  });
});

describe('SLO generator guards', () => {
  const latency = SLO_DEFINITIONS.find((s) => s.indicator.kind === 'latency')!;

  it('refuses a latency threshold that is not a bucket boundary (the ratio would silently read another bucket)', () => {
    const bad: SloDefinition = { ...latency, indicator: { kind: 'latency', histogram: 'toolCallDuration', thresholdSeconds: 3 } };
    expect(() => badRatioExpr(bad, '5m')).toThrow(/3s is not a bucket boundary of enkrypt_tool_call_duration_seconds/);
    const notHistogram: SloDefinition = { ...latency, indicator: { kind: 'latency', histogram: 'toolCalls', thresholdSeconds: 5 } };
    expect(() => badRatioExpr(notHistogram, '5m')).toThrow(/not a histogram/);
  });

  it('refuses an objective outside (0, 1)', () => {
    expect(() => errorBudget({ ...latency, objective: 1 })).toThrow(/objective must be between 0 and 1/);
    expect(() => errorBudget({ ...latency, objective: 99 })).toThrow(/objective must be between 0 and 1/);
  });

  it('matches a bucket boundary as Prometheus 2 and 3 store it (`5` and `5.0`), and no other bucket', () => {
    const regexOf = (matcher: string) => {
      const m = /^le=~"(.*)"$/.exec(matcher)!;
      // PromQL unescapes the string, then anchors the regular expression.
      return new RegExp(`^(?:${m[1]!.replace(/\\\\/g, '\\')})$`);
    };
    const five = regexOf(leMatcher(5));
    expect(['5', '5.0'].filter((v) => five.test(v))).toEqual(['5', '5.0']);
    expect(['50', '0.5', '2.5', '5.00', '+Inf'].filter((v) => five.test(v))).toEqual([]);
    expect(leMatcher(2.5)).toBe('le="2.5"');
  });
});
