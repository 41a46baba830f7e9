/**
 * The SLO row: per SLO, the share of the period's error budget spent so far and the burn rate
 * over each window the burn-rate alerts read, with the alerts' factors as dashed lines. The
 * queries are the recording rules' expressions over the raw catalog series (summed across a
 * job's replicas), so the panels work where the rules are not loaded and agree with them where
 * they are.
 */
import { SLO_DEFINITIONS } from '../../../src/slos.ts';
import type { SloDefinition } from '../../../src/slos.ts';
import { BURN_RATE_ALERTS, badRatioExpr, burnFactor, errorBudget } from '../slo.ts';
import { statPanel, timeseriesPanel } from './panels.ts';
import type { Placed } from './panels.ts';
import type { Section } from './layout.ts';

const pct = (n: number) => `${Number((n * 100).toFixed(4))}%`;

export function budgetSpentTitle(slo: SloDefinition): string {
  return `${slo.title}: error budget spent (${slo.periodDays} days)`;
}

export function burnRateTitle(slo: SloDefinition): string {
  return `${slo.title}: error budget burn rate`;
}

function budgetSpent(slo: SloDefinition): Placed {
  const budget = errorBudget(slo);
  return {
    width: 6,
    panel: statPanel({
      title: budgetSpentTitle(slo),
      description:
        `${slo.description} Objective: ${pct(slo.objective)} good over ${slo.periodDays} days, a budget of ${pct(budget)} bad. ` +
        `100% means the budget is gone. Over the data Prometheus keeps, if that is less than ${slo.periodDays} days.`,
      unit: 'percentunit',
      target: { expr: `(${badRatioExpr(slo, `${slo.periodDays}d`)}) / ${budget}`, legend: '{{job}}' },
      instant: true,
      steps: [
        { value: 0.75, color: 'orange' },
        { value: 1, color: 'red' },
      ],
    }),
  };
}

function burnRate(slo: SloDefinition): Placed {
  const budget = errorBudget(slo);
  const pairs = BURN_RATE_ALERTS.flatMap((policy) => policy.pairs.map((pair) => ({ policy, pair, factor: burnFactor(slo, pair) })));
  const lines = pairs.map(({ policy, factor }) => ({ value: factor, color: policy.action === 'page' ? 'red' : 'orange' }));
  const factors = pairs.map(({ policy, pair, factor }) => `${factor}x over ${pair.long} and ${pair.short} (${policy.action})`).join(', ');
  return {
    width: 18,
    panel: timeseriesPanel({
      title: burnRateTitle(slo),
      description:
        `How many times faster than the ${slo.periodDays}-day budget allows the budget is being spent (1x = on budget), ` +
        `per gateway (job, all replicas), over each alert's long window. Dashed lines: the alert factors, ${factors}.`,
      unit: 'suffix:x',
      targets: pairs.map(({ pair }) => ({ expr: `(${badRatioExpr(slo, pair.long)}) / ${budget}`, legend: `{{job}} over ${pair.long}` })),
      lines,
    }),
  };
}

export function sloSection(): Section {
  return { row: 'Service level objectives', panels: SLO_DEFINITIONS.flatMap((slo) => [budgetSpent(slo), burnRate(slo)]) };
}
