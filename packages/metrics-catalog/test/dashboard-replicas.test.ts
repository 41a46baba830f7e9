/**
 * Every Prometheus query of the generated dashboards, evaluated by a real PromQL engine
 * (`promtool test rules`) on three gateway replicas that report the same series under different
 * `instance` labels: each query must return data, and none may split "the gateway" by replica.
 * `count(count by (instance) (Q))` is 1 exactly when Q's series carry no `instance` label.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '../src/index.ts';
import type { GatewayMetricDefinition } from '../src/index.ts';
import { DASHBOARDS_DIR } from '../scripts/generators/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';
import { runExprTests } from './promtool.ts';

const root = repoRoot();
const work = mkdtempSync(join(tmpdir(), 'metrics-catalog-replicas-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const REPLICAS = ['gw-1', 'gw-2', 'gw-3'];
/** Samples a minute apart: enough for the 5m rate window Grafana's `$__rate_interval` stands for here. */
const MINUTES = 30;

/** One series per catalog row and replica, every attribute set; counters grow, gauges hold. */
function seriesFor(def: GatewayMetricDefinition, instance: string): { series: string; values: string }[] {
  const attrs = def.attributes.map((a) => `${a.replace(/[^a-zA-Z0-9_]/g, '_')}="${a === 'server' ? 'a' : 'x'}"`);
  const labels = (...extra: string[]) => `{${[...attrs, ...extra, 'job="secure-mcp-gateway"', `instance="${instance}"`].join(',')}}`;
  const growing = `0+60x${MINUTES}`;
  switch (def.kind) {
    case 'histogram':
      return [
        ...[...def.buckets.map(String), '+Inf'].map((le) => ({ series: `${def.prometheusName}_bucket${labels(`le="${le}"`)}`, values: growing })),
        { series: `${def.prometheusName}_count${labels()}`, values: growing },
        { series: `${def.prometheusName}_sum${labels()}`, values: `0+6x${MINUTES}` },
      ];
    case 'observableGauge':
    case 'upDownCounter':
      return [{ series: `${def.prometheusName}${labels()}`, values: `5x${MINUTES}` }];
    default:
      return [{ series: `${def.prometheusName}${labels()}`, values: growing }];
  }
}

interface Target {
  expr?: string;
  datasource?: { uid: string };
}
const queries = readdirSync(join(root, DASHBOARDS_DIR))
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) =>
    (JSON.parse(readFileSync(join(root, DASHBOARDS_DIR, file), 'utf8')) as { panels: { title: string; targets?: Target[] }[] }).panels.flatMap((p) =>
      (p.targets ?? [])
        .filter((t) => t.datasource?.uid === 'prometheus')
        .map((t) => ({ where: `${file}: ${p.title}`, expr: t.expr!.replaceAll('$__rate_interval', '5m').replaceAll('$server', '.*') })),
    ),
  );

describe('dashboard queries on three replicas (evaluated by promtool)', () => {
  it('each returns data and sums the replicas into one gateway', () => {
    expect(queries.length).toBeGreaterThan(30);
    const out = runExprTests(work, 'replicas', [
      {
        interval: '1m',
        input_series: METRIC_DEFINITIONS.flatMap((def) => REPLICAS.flatMap((r) => seriesFor(def, r))),
        promql_expr_test: queries.map(({ expr }) => ({
          expr: `count(count by (instance) (${expr}))`,
          eval_time: `${MINUTES}m`,
          exp_samples: [{ labels: '{}', value: 1 }],
        })),
      },
    ]);
    expect(out).toContain('SUCCESS');
  });

  it('the check catches a query that keeps replicas apart', () => {
    const calls = METRIC_DEFINITIONS.find((d) => d.key === 'toolCalls')!;
    const perInstance = `sum by (instance) (rate(${calls.prometheusName}[5m]))`;
    const run = () =>
      runExprTests(work, 'per-instance', [
        {
          interval: '1m',
          input_series: REPLICAS.flatMap((r) => seriesFor(calls, r)),
          promql_expr_test: [{ expr: `count(count by (instance) (${perInstance}))`, eval_time: '10m', exp_samples: [{ labels: '{}', value: 1 }] }],
        },
      ]);
    expect(run).toThrow(/got: \{\} 3E\+00/);
  });
});
