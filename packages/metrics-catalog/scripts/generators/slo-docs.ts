/** The SLO section of docs/metrics.md: objectives, the burn-rate policy, the rules it generates. */
import { SLO_DEFINITIONS } from '../../src/slos.ts';
import type { SloDefinition } from '../../src/slos.ts';
import { prom } from './promql.ts';
import { BURN_RATE_ALERTS, SLO_RATIO_RECORD_PREFIX, burnFactor, errorBudget, sloAlertName, sloWindows, windowHours } from './slo.ts';

const code = (s: string) => `\`${s}\``;
const pct = (n: number) => `${Number((n * 100).toFixed(4))}%`;

function indicator(slo: SloDefinition): string {
  const sli = slo.indicator;
  if (sli.kind === 'ratio') return `${code(prom(sli.bad))} / ${code(prom(sli.total))}`;
  return `calls over ${sli.thresholdSeconds} s: 1 - ${code(`${prom(sli.histogram)}_bucket{le="${sli.thresholdSeconds}"}`)} / ${code(`${prom(sli.histogram)}_count`)}`;
}

export function renderSloDocs(): string[] {
  const lines = [
    '## Service level objectives',
    '',
    'Declared once in `packages/metrics-catalog/src/slos.ts` (`SLO_DEFINITIONS`, exported by the package). Each SLO is about one',
    'gateway deployment: its bad-event ratio is summed over all replicas of a `job`.',
    '',
    '| SLO (`slo` label) | objective | period | budget | bad events |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const slo of SLO_DEFINITIONS) {
    lines.push(`| ${code(slo.id)} | ${pct(slo.objective)} good | ${slo.periodDays} days | ${pct(errorBudget(slo))} | ${indicator(slo)}: ${slo.description} |`);
  }
  lines.push(
    '',
    '### Burn-rate alerts',
    '',
    'Multi-window, multi-burn-rate alerts as in the Google SRE workbook ("Alerting on SLOs"). The burn rate is how many times',
    'faster than the period allows the budget is being spent; an alert needs the bad ratio over both a long window (the burn is',
    'significant) and a short one (it is still going on, so the alert resolves soon after a recovery). Factors follow from the share',
    'of the whole budget a window may spend: factor = share × period / long window.',
    '',
    '| alert | severity | for | fires when the bad ratio exceeds, over both windows |',
    '| --- | --- | --- | --- |',
  );
  for (const slo of SLO_DEFINITIONS) {
    for (const policy of BURN_RATE_ALERTS) {
      const pairs = policy.pairs
        .map((p) => `${burnFactor(slo, p)}x budget (${pct(burnFactor(slo, p) * errorBudget(slo))}) over ${p.long} and ${p.short}, ${pct(p.budgetSpent)} of the budget in ${p.long}`)
        .join('; or ');
      lines.push(`| ${code(sloAlertName(slo, policy.speed))} | ${policy.severity} (${policy.action}) | ${policy.for} | ${pairs} |`);
    }
  }
  const windows = sloWindows();
  lines.push(
    '',
    `The SLO rules are a file of their own, ${code('rules/enkrypt-slos.yml')} (group ${code('secure-mcp-gateway-slos')}), with their cases in`,
    `${code('rules/tests/enkrypt-slos.test.yml')}. Recording rules, evaluated before the alerts, store each SLO's bad ratio per job over`,
    `${windows.map(code).join(', ')} as ${code(`${SLO_RATIO_RECORD_PREFIX}<window>{slo="<id>"}`)}; the longest, ${windows.at(-1)},`,
    `needs ${windowHours(windows.at(-1)!) / 24} days of retention to be exact (Prometheus' default is 15 days). The overview dashboard's`,
    '"Service level objectives" row shows the same ratios from the raw series: budget spent over the period and the burn rate per window.',
    'The promtool cases run each alert through an incident that must page, a short spike that must not, a recovery',
    'during which the long windows stay high but the short ones stop the alert, and a calm gateway under budget.',
  );
  return lines;
}
