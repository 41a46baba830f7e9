/**
 * Evaluates generated PromQL with a real engine (`promtool test rules`, the Debian `prometheus`
 * package) on synthetic series: dashboard ratios must read 0 (not "No data") when their numerator
 * has no series yet, and rules regenerated for another `max_sessions` must still pass their tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_MAX_SESSIONS, prometheusNameOf } from '../src/index.ts';
import { renderAlertTests } from '../scripts/generators/alert-tests.ts';
import { REGENERATE_FOR_MAX_SESSIONS, alertRules, renderAlertRules } from '../scripts/generators/alerts.ts';
import { DASHBOARDS_DIR, RULES_FILE, renderGeneratedFiles } from '../scripts/generators/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';
import { promtool, runExprTests } from './promtool.ts';

const root = repoRoot();
const work = mkdtempSync(join(tmpdir(), 'metrics-catalog-promtool-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Panel {
  title: string;
  datasource?: { uid: string };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { expr?: string }[];
}

const panels: Panel[] = readdirSync(join(root, DASHBOARDS_DIR))
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => (JSON.parse(readFileSync(join(root, DASHBOARDS_DIR, f), 'utf8')) as { panels: Panel[] }).panels);

/** The panel's single PromQL query with Grafana's variables bound as a user would see them. */
function panelQuery(title: string): string {
  const panel = panels.find((p) => p.title === title);
  expect(panel, title).toBeDefined();
  expect(panel!.targets, title).toHaveLength(1);
  return panel!.targets![0]!.expr!.replaceAll('$__rate_interval', '5m').replaceAll('$server', '.*');
}

const JOB = 'job="secure-mcp-gateway",instance="gw-1"';
const series = (key: 'cacheHits' | 'cacheMisses' | 'toolCalls' | 'toolCallFailure', labels: string, perMinute: number) => ({
  series: `${prometheusNameOf(key)}{${labels},${JOB}}`,
  values: `0+${perMinute}x20`,
});

describe('dashboard ratio panels (evaluated by promtool)', () => {
  it('every ratio panel of two counters falls back to 0 for a missing numerator series (`or … * 0`)', () => {
    const ratios = panels.filter((p) => p.datasource?.uid === 'prometheus' && p.fieldConfig?.defaults?.unit === 'percentunit');
    expect(ratios.map((p) => p.title).sort()).toEqual([
      'Cache hit ratio',
      'Tool-call error ratio',
      'Tool-call errors: error budget spent (30 days)',
      'Tool-call latency: error budget spent (30 days)',
    ]);
    for (const p of ratios) {
      // A histogram's buckets all appear with its first observation: no missing numerator there.
      if (p.targets!.every((t) => t.expr!.includes('_bucket{'))) continue;
      for (const t of p.targets!) expect(t.expr, p.title).toMatch(/^\(+.+ or .+ \* 0\)\s*\//s);
    }
  });

  it('read 0%, not "No data", when there are lookups or calls but no hits or failures', () => {
    const cases = [
      {
        // 60 lookups a minute (1/s) keep every rate exact. cold: misses only (no hit series at all);
        // warm: hits only (no miss series); mixed: 1 hit to 3 misses.
        interval: '1m',
        input_series: [
          series('cacheMisses', 'cache="cold",server="a"', 60),
          series('cacheHits', 'cache="warm",server="a"', 60),
          series('cacheHits', 'cache="mixed",server="a"', 60),
          series('cacheMisses', 'cache="mixed",server="a"', 180),
        ],
        promql_expr_test: [
          {
            expr: panelQuery('Cache hit ratio'),
            eval_time: '10m',
            exp_samples: [
              { labels: '{cache="cold"}', value: 0 },
              { labels: '{cache="mixed"}', value: 0.25 },
              { labels: '{cache="warm"}', value: 1 },
            ],
          },
        ],
      },
      {
        // Calls but never a failure: no failure series exists.
        interval: '1m',
        input_series: [series('toolCalls', 'server="a",tool="t"', 60)],
        promql_expr_test: [
          { expr: panelQuery('Tool-call error ratio'), eval_time: '10m', exp_samples: [{ labels: '{}', value: 0 }] },
          {
            expr: panelQuery('Tool-call errors: error budget spent (30 days)'),
            eval_time: '10m',
            exp_samples: [{ labels: '{job="secure-mcp-gateway"}', value: 0 }],
          },
        ],
      },
      {
        // 6 of 60 calls a minute fail.
        interval: '1m',
        input_series: [
          series('toolCalls', 'server="a",tool="t"', 60),
          series('toolCallFailure', 'server="a",tool="t",error_type="UpstreamError"', 6),
        ],
        promql_expr_test: [{ expr: panelQuery('Tool-call error ratio'), eval_time: '10m', exp_samples: [{ labels: '{}', value: 0.1 }] }],
      },
    ];
    expect(runExprTests(work, 'dashboards', cases)).toContain('SUCCESS');
  });
});

describe('session alert and max_sessions', () => {
  const rule = (rules: ReturnType<typeof alertRules>) => rules.find((r) => r.alert === 'EnkryptActiveSessionsNearLimit')!;

  it(`warns at 80% of DEFAULT_MAX_SESSIONS (${DEFAULT_MAX_SESSIONS}) and says how to regenerate for another limit`, () => {
    expect(DEFAULT_MAX_SESSIONS).toBe(1000);
    const committed = parse(readFileSync(join(root, RULES_FILE), 'utf8')) as {
      groups: { rules: { alert: string; expr: string; annotations: { description: string } }[] }[];
    };
    const r = committed.groups[0]!.rules.find((x) => x.alert === 'EnkryptActiveSessionsNearLimit')!;
    expect(r.expr).toMatch(new RegExp(`> ${DEFAULT_MAX_SESSIONS * 0.8}$`));
    expect(r.annotations.description).toContain(`80% of the gateway's default max_sessions (${DEFAULT_MAX_SESSIONS})`);
    expect(r.annotations.description).toContain(REGENERATE_FOR_MAX_SESSIONS);
    const docs = readFileSync(join(root, 'docs/metrics.md'), 'utf8');
    expect(docs).toContain(`more than ${DEFAULT_MAX_SESSIONS * 0.8} open sessions: 80% of the gateway's \`max_sessions\``);
    expect(docs).toContain(REGENERATE_FOR_MAX_SESSIONS.replace('<n>', '5000'));
  });

  it('regenerated for max_sessions = 5000, the rule warns above 4000 and its promtool cases pass', () => {
    const r = rule(alertRules({ maxSessions: 5000 }));
    expect(r.expr).toMatch(/> 4000$/);
    expect(r.annotations.description).toContain('max_sessions = 5000');
    // The whole generated set, as `MAX_SESSIONS=5000 … generate` writes it.
    const files = renderGeneratedFiles({ maxSessions: 5000 });
    expect(files[RULES_FILE]).toBe(renderAlertRules({ maxSessions: 5000 }));
    expect(files['docs/metrics.md']).toContain('more than 4000 open sessions');
    mkdirSync(join(work, 'rules/tests'), { recursive: true });
    writeFileSync(join(work, 'rules/enkrypt-alerts.yml'), renderAlertRules({ maxSessions: 5000 }));
    writeFileSync(join(work, 'rules/tests/enkrypt-alerts.test.yml'), renderAlertTests('../enkrypt-alerts.yml', { maxSessions: 5000 }));
    expect(promtool(['check', 'rules', 'rules/enkrypt-alerts.yml'], work)).toContain('SUCCESS');
    const out = promtool(['test', 'rules', 'rules/tests/enkrypt-alerts.test.yml'], work);
    expect(out).toContain('SUCCESS');
    // The cases scale with the limit: the quiet instance holds 70% (3500), which the default rules (> 800) would page on.
    expect(renderAlertTests('../enkrypt-alerts.yml', { maxSessions: 5000 })).toContain('values: 3500x30');
  });

  it('the generate script reads MAX_SESSIONS (checked with --check, which writes nothing)', () => {
    const pkg = join(root, 'packages/metrics-catalog');
    const run = (maxSessions: string) =>
      spawnSync(join(pkg, 'node_modules/.bin/tsx'), ['scripts/generate.ts', '--check'], {
        cwd: pkg,
        encoding: 'utf8',
        env: { ...process.env, MAX_SESSIONS: maxSessions },
      });
    const other = run('5000');
    // Only the files that depend on the limit differ from the committed (default) ones.
    expect(other.status, other.stderr).toBe(1);
    expect(other.stderr.match(/^stale: .*$/gm)?.sort()).toEqual(
      ['stale: deploy/observability/prometheus/rules/enkrypt-alerts.yml', 'stale: deploy/observability/prometheus/rules/tests/enkrypt-alerts.test.yml', 'stale: docs/metrics.md'],
    );
    const bad = run('lots');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('MAX_SESSIONS must be a whole number of sessions');
  });

  it('rejects a max_sessions the alert cannot be computed for', () => {
    expect(() => alertRules({ maxSessions: 0 })).toThrow(/max_sessions must be an integer of at least 10, got 0/);
    expect(() => alertRules({ maxSessions: 12.5 })).toThrow(/max_sessions/);
  });
});
