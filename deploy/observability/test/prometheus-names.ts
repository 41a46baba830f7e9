/**
 * A model of how the collector's prometheus exporter names metrics, used to check that what the
 * gateway sends reaches Prometheus under the metrics catalog's names.
 */
import { at, type JsonObject } from './helpers.ts';

function names(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw new Error(`${where} is not a list of names`);
  return value as string[];
}

/** UCUM units the collector's Prometheus translator spells out (pkg/translator/prometheus unitMap). */
const UNIT_WORDS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds', ns: 'nanoseconds',
  By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes', KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes',
  '%': 'percent', '1': '',
};

export type OtlpType = 'sum' | 'gauge' | 'histogram';

/**
 * The name the collector's prometheus exporter gives a metric with add_metric_suffixes on
 * (the NormalizeName translation): name tokens, + unit word unless already a token,
 * + `total` for monotonic sums, + `ratio` for gauges in unit 1.
 */
export function collectorPrometheusName(metric: { name: string; unit: string; type: OtlpType; monotonic: boolean }, namespace = ''): string {
  let tokens = metric.name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const [main = '', per] = metric.unit.split('/', 2).map((u) => u.trim());
  if (main && !/[{}]/.test(main)) {
    const word = UNIT_WORDS[main] ?? main;
    if (word && !tokens.includes(word)) tokens.push(word);
  }
  if (per && !/[{}]/.test(per)) {
    const word = `per_${UNIT_WORDS[per] ?? per}`;
    if (!tokens.includes(word)) tokens.push(word);
  }
  if (metric.type === 'sum' && metric.monotonic) tokens = [...tokens.filter((t) => t !== 'total'), 'total'];
  if (metric.unit === '1' && metric.type === 'gauge') tokens = [...tokens.filter((t) => t !== 'ratio'), 'ratio'];
  if (namespace) tokens.unshift(namespace);
  const name = tokens.join('_');
  return /^\d/.test(name) ? `_${name}` : name;
}

/**
 * Applies the metric pipeline's transform processors to a metric's unit. Only the statement form
 * this stack uses is understood (`set(unit, "") where name == "…"`); anything else fails the test
 * so the check never silently ignores a rename.
 */
export function unitAfterTransforms(config: JsonObject, metricName: string, unit: string): string {
  const metricsPipeline = at(config, 'service', 'pipelines', 'metrics') as JsonObject;
  let current = unit;
  for (const processor of names(metricsPipeline.processors, 'metrics processors')) {
    if (!processor.startsWith('transform')) continue;
    const groups = at(config, 'processors', processor, 'metric_statements');
    for (const group of (groups as JsonObject[] | undefined) ?? []) {
      for (const statement of names(group.statements, `${processor} statements`)) {
        const m = /^set\(unit, "([^"]*)"\) where name == "([^"]+)"$/.exec(statement.trim());
        if (!m) throw new Error(`${processor}: statement this check does not understand: ${statement}`);
        if (m[2] === metricName) current = m[1]!;
      }
    }
  }
  return current;
}

/** The OTLP point type each catalog instrument kind produces. */
export const OTLP_TYPE: Record<string, { type: OtlpType; monotonic: boolean }> = {
  counter: { type: 'sum', monotonic: true },
  upDownCounter: { type: 'sum', monotonic: false },
  histogram: { type: 'histogram', monotonic: false },
  observableGauge: { type: 'gauge', monotonic: false },
  observableCounter: { type: 'sum', monotonic: true },
};
