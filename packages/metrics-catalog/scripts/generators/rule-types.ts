/** Shapes of Prometheus rule files and `promtool test rules` files, and the expected-alert helper. */

export type Severity = 'warning' | 'critical';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: Severity } & Record<string, string>;
  annotations: { summary: string; description: string; dashboard: string };
}

export interface RecordingRule {
  record: string;
  expr: string;
  labels?: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  rules: (AlertRule | RecordingRule)[];
}

export interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

export interface InputSeries {
  series: string;
  values: string;
}

export interface TestCase {
  /** What the case shows, for whoever reads a promtool failure. */
  name?: string;
  interval: string;
  input_series: InputSeries[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: ExpAlert[] }[];
  /** PromQL results promtool must see: here, proof of the conditions a case claims. */
  promql_expr_test?: { expr: string; eval_time: string; exp_samples: { labels: string; value: number }[] }[];
}

/**
 * The alert promtool must see: the rule's labels plus `labels`, and its annotations with
 * `{{ $labels.x }}` filled from `labels` and `{{ $value … }}` replaced by `value`.
 */
export function expectedAlert(rules: readonly AlertRule[], alert: string, labels: Record<string, string>, value = ''): ExpAlert {
  const rule = rules.find((r) => r.alert === alert);
  if (!rule) throw new Error(`promtool cases: no alert rule named ${alert}`);
  const fill = (s: string) =>
    s
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? '')
      .replace(/\{\{ \$value[^}]*\}\}/g, value);
  return {
    exp_labels: { ...rule.labels, ...labels },
    exp_annotations: {
      summary: fill(rule.annotations.summary),
      description: fill(rule.annotations.description),
      dashboard: rule.annotations.dashboard,
    },
  };
}

/**
 * promtool's expanding notation for a counter that grows by `perMinute[i]` for `minutes[i]`
 * minutes, phase after phase, from 0 at minute 0 (one sample a minute).
 */
export function counterValues(phases: readonly { minutes: number; perMinute: number }[]): string {
  let total = 0;
  const parts = ['0'];
  for (const { minutes, perMinute } of phases) {
    if (minutes < 1 || !Number.isInteger(minutes)) throw new Error(`promtool cases: a phase lasts whole minutes, got ${minutes}`);
    parts.push(`${total + perMinute}+${perMinute}x${minutes - 1}`);
    total += perMinute * minutes;
  }
  return parts.join(' ');
}
