/**
 * promtool cases for the SLO burn-rate alerts. Each SLO gets two scenarios, run on a gateway of
 * two replicas (one carries all the bad calls, so only the sum across replicas gives the SLO's
 * ratio), the second also on a calm gateway under its budget that must never alert:
 *
 * - fast: a 40-minute incident at 50% bad. Its first 10 minutes do not page although the 5m and 30m
 *   windows are over their thresholds (the long windows gate the short ones); the incident pages;
 *   36 minutes after it ends the page has resolved although the 1h and 6h windows are still over
 *   their thresholds (the short windows gate the long ones).
 * - slow: 3 hours at 4% bad (4x budget). No page (under 6x and 14.4x); a ticket; 6h15m after the
 *   end no ticket although the 3d window is still over 1x (the 6h window gates it).
 *
 * The rules are evaluated every 5 minutes here (every minute, seven windows up to 3 days over
 * hours of samples take promtool many seconds); every condition a case relies on holds for at
 * least two evaluations, so the alerts' `for` still counts.
 *
 * `promql_expr_test` entries prove the "although" parts, so a case cannot pass for the wrong reason.
 */
import { stringify } from 'yaml';
import { getMetricDefinition } from '../../src/definitions.ts';
import { SLO_DEFINITIONS } from '../../src/slos.ts';
import type { SloDefinition, SloIndicator } from '../../src/slos.ts';
import { prom } from './promql.ts';
import { counterValues, expectedAlert, generatedHeader } from './rule-types.ts';
import type { AlertRule, InputSeries, TestCase } from './rule-types.ts';
import { BURN_RATE_ALERTS, SLO_RATIO_RECORD_PREFIX, burnFactor, errorBudget, sloAlertName, sloAlertRules } from './slo.ts';

/** Tool calls per minute on each replica. */
const CALLS = 100;
const BURNING = 'secure-mcp-gateway';
const CALM = 'calm-gateway';
const REPLICAS = ['gw-1', 'gw-2'] as const;

/** A stretch of minutes during which `badShare` of the whole job's calls are bad. */
interface Phase {
  minutes: number;
  badShare: number;
}

/**
 * Counters for one replica: all the job's bad calls land on gw-1 (twice the job's share of its
 * own calls), none on gw-2.
 */
function replicaPhases(phases: readonly Phase[], replica: (typeof REPLICAS)[number]): { minutes: number; bad: number }[] {
  return phases.map(({ minutes, badShare }) => {
    const bad = replica === 'gw-1' ? 2 * badShare * CALLS : 0;
    if (!Number.isInteger(bad) || bad > CALLS) throw new Error(`SLO cases: ${badShare} bad does not split into whole calls`);
    return { minutes, bad };
  });
}

type Indicator<K extends SloIndicator['kind']> = Extract<SloIndicator, { kind: K }>;

function ratioSeries(sli: Indicator<'ratio'>, job: string, phases: readonly Phase[]): InputSeries[] {
  return REPLICAS.flatMap((instance) => {
    const per = replicaPhases(phases, instance);
    const labels = `server="a",tool="t",job="${job}",instance="${instance}"`;
    return [
      { series: `${prom(sli.total)}{${labels}}`, values: counterValues(per.map((p) => ({ minutes: p.minutes, perMinute: CALLS }))) },
      {
        series: `${prom(sli.bad)}{${labels},error_type="UpstreamError"}`,
        values: counterValues(per.map((p) => ({ minutes: p.minutes, perMinute: p.bad }))),
      },
    ];
  });
}

/**
 * Histogram series: good calls fall in the threshold's own bucket, bad ones in the next, so
 * reading a neighbouring bucket gives another ratio. Only the buckets around the threshold (and
 * +Inf, and the count) are written.
 */
function latencySeries(sli: Indicator<'latency'>, job: string, phases: readonly Phase[]): InputSeries[] {
  const def = getMetricDefinition(sli.histogram);
  if (def.kind !== 'histogram') throw new Error(`SLO cases: ${def.name} is not a histogram`);
  const bounds: readonly number[] = def.buckets;
  const at = bounds.indexOf(sli.thresholdSeconds);
  const below = bounds[at - 1] ?? 0;
  const above = bounds[at + 1] ?? 2 * sli.thresholdSeconds;
  const fastSeconds = (below + sli.thresholdSeconds) / 2;
  const slowSeconds = (sli.thresholdSeconds + above) / 2;
  const name = prom(sli.histogram);
  return REPLICAS.flatMap((instance) => {
    const per = replicaPhases(phases, instance);
    const labels = `server="a",tool="t",outcome="success",job="${job}",instance="${instance}"`;
    const counted = (le: number) =>
      counterValues(per.map((p) => ({ minutes: p.minutes, perMinute: (le >= fastSeconds ? CALLS - p.bad : 0) + (le >= slowSeconds ? p.bad : 0) })));
    return [
      ...bounds.slice(Math.max(0, at - 1), at + 2).map((le) => ({ series: `${name}_bucket{${labels},le="${le}"}`, values: counted(le) })),
      { series: `${name}_bucket{${labels},le="+Inf"}`, values: counted(Infinity) },
      { series: `${name}_count{${labels}}`, values: counted(Infinity) },
    ];
  });
}

function series(slo: SloDefinition, job: string, phases: readonly Phase[]): InputSeries[] {
  const sli: SloIndicator = slo.indicator;
  return sli.kind === 'ratio' ? ratioSeries(sli, job, phases) : latencySeries(sli, job, phases);
}

const minutes = (m: number) => `${m}m`;

/** A promql_expr_test: at `at`, the job's ratio over `window` is over `factor` × budget. */
function overThreshold(slo: SloDefinition, window: string, factor: number, at: number) {
  return {
    expr: `${SLO_RATIO_RECORD_PREFIX}${window}{slo="${slo.id}",job="${BURNING}"} > bool ${factor} * ${errorBudget(slo)}`,
    eval_time: minutes(at),
    exp_samples: [{ labels: `{job="${BURNING}", slo="${slo.id}"}`, value: 1 }],
  };
}

function policy(speed: 'Fast' | 'Slow') {
  const p = BURN_RATE_ALERTS.find((a) => a.speed === speed);
  if (!p) throw new Error(`SLO cases: no ${speed} burn-rate policy`);
  return p;
}

/** The calm gateway: half the budget's bad share, throughout. */
const calm = (slo: SloDefinition, total: number): Phase[] => [{ minutes: total, badShare: errorBudget(slo) / 2 }];

export function sloPromtoolTests(): TestCase[] {
  return SLO_DEFINITIONS.flatMap((slo): TestCase[] => {
    const rules: AlertRule[] = sloAlertRules(slo);
    const fast = sloAlertName(slo, 'Fast');
    const slow = sloAlertName(slo, 'Slow');
    const firing = (alert: string) => [expectedAlert(rules, alert, { job: BURNING })];
    const [page1h, page6h] = policy('Fast').pairs;
    const [, ticket3d] = policy('Slow').pairs;
    if (!page1h || !page6h || !ticket3d) throw new Error('SLO cases expect the workbook policy: two page and two ticket window pairs');

    // Healthy 2h, incident 40m at 50% bad (gw-1 fails every call), recovered 45m. The 1h and 6h
    // windows cross the page thresholds about 17 minutes into the incident.
    const healthy = 120;
    const incident: Phase[] = [
      { minutes: healthy, badShare: 0 },
      { minutes: 40, badShare: 0.5 },
      { minutes: 45, badShare: 0 },
    ];
    const spike = healthy + 10;
    const paging = healthy + 30;
    const recovered = healthy + 40 + 40;
    // 3h at 4% bad, then 6h20m recovered.
    const smoulder: Phase[] = [
      { minutes: 180, badShare: 0.04 },
      { minutes: 380, badShare: 0 },
    ];
    const ticketGone = 180 + 375;
    return [
      {
        name: `${slo.id}: a 40-minute incident pages; its first 10 minutes do not; recovery resolves the page within the short windows`,
        interval: '1m',
        input_series: series(slo, BURNING, incident),
        alert_rule_test: [
          // 10 minutes at 50%: the 5m and 30m windows are far over, the 1h and 6h ones not yet.
          { eval_time: minutes(spike), alertname: fast, exp_alerts: [] },
          { eval_time: minutes(paging), alertname: fast, exp_alerts: firing(fast) },
          { eval_time: minutes(recovered), alertname: fast, exp_alerts: [] },
        ],
        promql_expr_test: [
          // The spike is over the thresholds in the short windows: only the long ones hold the page back...
          overThreshold(slo, page1h.short, burnFactor(slo, page1h), spike),
          overThreshold(slo, page6h.short, burnFactor(slo, page6h), spike),
          // ...and after recovery the long windows still burn over them: only the short ones stop the page.
          overThreshold(slo, page1h.long, burnFactor(slo, page1h), recovered),
          overThreshold(slo, page6h.long, burnFactor(slo, page6h), recovered),
        ],
      },
      {
        name: `${slo.id}: 4x budget for 3 hours opens a ticket but never pages; 6h after recovery the ticket resolves; a gateway at half its budget never alerts`,
        interval: '1m',
        input_series: [...series(slo, BURNING, smoulder), ...series(slo, CALM, calm(slo, 560))],
        alert_rule_test: [
          { eval_time: minutes(60), alertname: slow, exp_alerts: firing(slow) },
          { eval_time: minutes(150), alertname: fast, exp_alerts: [] },
          { eval_time: minutes(ticketGone), alertname: slow, exp_alerts: [] },
        ],
        promql_expr_test: [overThreshold(slo, ticket3d.long, burnFactor(slo, ticket3d), ticketGone)],
      },
    ];
  });
}

/** The promtool file for the SLO rules, which it loads from `rulesFileFromTests`. */
export function renderSloTests(rulesFileFromTests: string): string {
  return (
    generatedHeader('scripts/generators/slo-tests.ts') +
    stringify({ rule_files: [rulesFileFromTests], evaluation_interval: '5m', tests: sloPromtoolTests() }, { lineWidth: 0 })
  );
}
