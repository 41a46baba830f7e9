/**
 * Multi-window, multi-burn-rate alerts for the SLO table (src/slos.ts), after the Google SRE
 * workbook ("Alerting on SLOs"): a page when the error budget burns fast over both a long and a
 * short window, a ticket when it burns slowly. The long window proves the burn is significant;
 * the short one proves it is still happening, so the alert resolves minutes after a recovery
 * instead of hours. Recording rules compute each SLO's bad-event ratio once per window.
 */
import { stringify } from 'yaml';
import { getMetricDefinition } from '../../src/definitions.ts';
import { SLO_DEFINITIONS } from '../../src/slos.ts';
import type { SloDefinition } from '../../src/slos.ts';
import { leMatcher, orZero, prom, sumRate } from './promql.ts';
import { generatedHeader } from './rule-types.ts';
import type { AlertRule, RecordingRule, RuleGroup, Severity } from './rule-types.ts';

/** One long/short window pair: alert when the bad ratio exceeds `factor` × budget over both. */
export interface BurnWindowPair {
  long: string;
  short: string;
  /** Share of the whole period's error budget that burning at this rate spends in `long`. */
  budgetSpent: number;
}

export interface BurnRateAlert {
  /** Alert name suffix: `Enkrypt<SloId>FastBurn`. */
  speed: 'Fast' | 'Slow';
  severity: Severity;
  /** What the alert asks for (the workbook's page and ticket). */
  action: 'page' | 'ticket';
  for: string;
  pairs: readonly BurnWindowPair[];
}

/** The workbook's recommended policy; the burn factors follow from `budgetSpent` and the SLO period. */
export const BURN_RATE_ALERTS: readonly BurnRateAlert[] = [
  {
    speed: 'Fast',
    severity: 'critical',
    action: 'page',
    for: '2m',
    pairs: [
      { long: '1h', short: '5m', budgetSpent: 0.02 },
      { long: '6h', short: '30m', budgetSpent: 0.05 },
    ],
  },
  {
    speed: 'Slow',
    severity: 'warning',
    action: 'ticket',
    for: '15m',
    pairs: [
      { long: '1d', short: '2h', budgetSpent: 0.1 },
      { long: '3d', short: '6h', budgetSpent: 0.1 },
    ],
  },
];

const OVERVIEW = '/d/enkrypt-gateway-overview';
/** The SLOs are about "the gateway": every replica of one deployment (one `job`) summed together. */
const SLO_GROUPING = ['job'] as const;
/** Recorded bad-event ratio of every SLO, one series per job and `slo` label. */
export const SLO_RATIO_RECORD_PREFIX = 'job:enkrypt_slo_errors:ratio_rate';

const HOURS: Record<string, number> = { m: 1 / 60, h: 1, d: 24 };

export function windowHours(window: string): number {
  const m = /^(\d+)([mhd])$/.exec(window);
  if (!m) throw new Error(`SLO rules: window ${window} is not <n>m, <n>h or <n>d`);
  return Number(m[1]) * HOURS[m[2]!]!;
}

const round = (n: number) => Number(n.toFixed(6));

/** The error budget: the share of events allowed to be bad (1 - objective). */
export function errorBudget(slo: SloDefinition): number {
  if (!(slo.objective > 0 && slo.objective < 1)) throw new Error(`SLO ${slo.id}: objective must be between 0 and 1, got ${slo.objective}`);
  return round(1 - slo.objective);
}

/** How many times faster than "exactly on budget" the window pair alerts at. */
export function burnFactor(slo: SloDefinition, pair: BurnWindowPair): number {
  return round((pair.budgetSpent * slo.periodDays * 24) / windowHours(pair.long));
}

export function sloAlertName(slo: SloDefinition, speed: BurnRateAlert['speed']): string {
  const pascal = slo.id.replace(/(^|_)([a-z])/g, (_, __, c: string) => c.toUpperCase());
  return `Enkrypt${pascal}${speed}Burn`;
}

/** Every window the alerts read, shortest first. */
export function sloWindows(): string[] {
  const all = new Set(BURN_RATE_ALERTS.flatMap((a) => a.pairs.flatMap((p) => [p.long, p.short])));
  return [...all].sort((a, b) => windowHours(a) - windowHours(b));
}

/** PromQL for the share of bad events over `window`, summed across a job's replicas. */
export function badRatioExpr(slo: SloDefinition, window: string): string {
  const sli = slo.indicator;
  if (sli.kind === 'ratio') {
    const bad = sumRate(prom(sli.bad), window, SLO_GROUPING);
    const total = sumRate(prom(sli.total), window, SLO_GROUPING);
    // No failure series until the first failure: that is a ratio of 0, not a missing one.
    return `${orZero(bad, total)}\n/\n${total}`;
  }
  const def = getMetricDefinition(sli.histogram);
  if (def.kind !== 'histogram') throw new Error(`SLO ${slo.id}: ${def.name} is not a histogram`);
  if (!(def.buckets as readonly number[]).includes(sli.thresholdSeconds)) {
    throw new Error(`SLO ${slo.id}: ${sli.thresholdSeconds}s is not a bucket boundary of ${def.name} (${def.buckets.join(', ')})`);
  }
  const fast = sumRate(`${prom(sli.histogram)}_bucket{${leMatcher(sli.thresholdSeconds)}}`, window, SLO_GROUPING);
  const all = sumRate(`${prom(sli.histogram)}_count`, window, SLO_GROUPING);
  return `1 - (\n${fast}\n/\n${all}\n)`;
}

export function sloRecordingRules(slo: SloDefinition): RecordingRule[] {
  return sloWindows().map((w) => ({ record: `${SLO_RATIO_RECORD_PREFIX}${w}`, expr: badRatioExpr(slo, w), labels: { slo: slo.id } }));
}

const pct = (n: number) => `${round(n * 100)}%`;

/** How long a whole period's budget lasts at `factor` times the allowed rate, in words. */
export function timeToExhaust(slo: SloDefinition, factor: number): string {
  const hours = (slo.periodDays * 24) / factor;
  return hours < 72 ? `${Math.round(hours)} hours` : `${Number((hours / 24).toFixed(1))} days`;
}

function burnAlert(slo: SloDefinition, policy: BurnRateAlert): AlertRule {
  const budget = errorBudget(slo);
  const ratio = (w: string) => `${SLO_RATIO_RECORD_PREFIX}${w}{slo="${slo.id}"}`;
  const branches = policy.pairs.map((p) => {
    const threshold = `${burnFactor(slo, p)} * ${budget}`;
    return `(\n  ${ratio(p.long)} > ${threshold}\nand\n  ${ratio(p.short)} > ${threshold}\n)`;
  });
  const windows = policy.pairs
    .map((p) => {
      const factor = burnFactor(slo, p);
      return `over ${factor}x budget (${pct(factor * budget)} bad) over both ${p.long} and ${p.short}, which spends the whole budget in ${timeToExhaust(slo, factor)}`;
    })
    .join('; or ');

  return {
    alert: sloAlertName(slo, policy.speed),
    expr: branches.join('\nor\n'),
    for: policy.for,
    labels: { severity: policy.severity, slo: slo.id },
    annotations: {
      summary: `{{ $labels.job }}: the ${slo.title.toLowerCase()} SLO is burning its error budget ${policy.speed === 'Fast' ? 'fast' : 'slowly'} (${policy.action})`,
      description:
        `SLO ${slo.id}: ${pct(slo.objective)} good over ${slo.periodDays} days, so a budget of ${pct(budget)} bad. ` +
        `Bad: ${slo.description} The share of bad calls across all replicas of {{ $labels.job }} is ${windows}.`,
      dashboard: OVERVIEW,
    },
  };
}

export function sloAlertRules(slo: SloDefinition): AlertRule[] {
  return BURN_RATE_ALERTS.map((policy) => burnAlert(slo, policy));
}

/** One group: recording rules first, so each evaluation's alerts read freshly recorded ratios. */
export function sloRuleGroup(): RuleGroup {
  return {
    name: 'secure-mcp-gateway-slos',
    rules: SLO_DEFINITIONS.flatMap((slo) => [...sloRecordingRules(slo), ...sloAlertRules(slo)]),
  };
}

export function renderSloRules(): string {
  return generatedHeader('src/slos.ts or scripts/generators/slo.ts') + stringify({ groups: [sloRuleGroup()] }, { lineWidth: 0 });
}
