/**
 * PromQL pieces shared by the dashboards and the rules. Metric names only ever come from
 * `prom(key)`, so a renamed instrument renames every query; the tests check the reverse.
 */
import { getMetricDefinition } from '../../src/definitions.ts';
import type { GatewayMetricKey } from '../../src/definitions.ts';

/** Prometheus name of a catalog instrument. */
export function prom(key: GatewayMetricKey): string {
  return getMetricDefinition(key).prometheusName;
}

/** Grafana's rate window: at least four scrape intervals, whatever the zoom. */
export const RATE_INTERVAL = '$__rate_interval';

/** `sum by (labels) (rate(selector[window]))`; `sum(…)` when no labels. */
export function sumRate(selector: string, window: string, by: readonly string[] = []): string {
  const agg = by.length > 0 ? `sum by (${by.join(', ')})` : 'sum';
  return `${agg} (rate(${selector}[${window}]))`;
}

/**
 * `a or b * 0`: `a`, or 0 for each label set where only `b` has a series. Counters appear on the
 * first increment, so a ratio's numerator is often missing exactly when it should read 0.
 */
export function orZero(expr: string, fallback: string): string {
  return `(${expr} or ${fallback} * 0)`;
}

/**
 * A label matcher for one histogram bucket boundary. Prometheus 2 keeps `le` as the exporter
 * wrote it (`5`); Prometheus 3 normalises integers to `5.0` on ingestion: match both.
 */
export function leMatcher(seconds: number): string {
  const text = String(seconds);
  return Number.isInteger(seconds) ? `le=~"${text}|${text}\\\\.0"` : `le="${text}"`;
}

/** `histogram_quantile(q, sum by (labels, le) (rate(<histogram>_bucket<filter>[window])))`. */
export function quantile(q: number, key: GatewayMetricKey, window: string, by: readonly string[] = [], filter = ''): string {
  return `histogram_quantile(${q}, ${sumRate(`${prom(key)}_bucket${filter}`, window, [...by, 'le'])})`;
}
