/**
 * Just enough PromQL reading for the tests: which metric names and which label names an
 * expression uses. Strings, range selectors and durations are skipped; identifiers inside `{…}`
 * and in `by/without/on/ignoring/group_*` lists are labels; identifiers before `(` are functions.
 */
const FUNCTIONS = new Set([
  'sum', 'avg', 'min', 'max', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'group',
  'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'histogram_quantile', 'clamp_min', 'clamp_max', 'clamp',
  'abs', 'absent', 'absent_over_time', 'ceil', 'floor', 'round', 'scalar', 'vector', 'time', 'timestamp',
  'avg_over_time', 'max_over_time', 'min_over_time', 'sum_over_time', 'count_over_time', 'last_over_time',
  'label_replace', 'label_join', 'sort', 'sort_desc', 'changes', 'resets', 'predict_linear',
]);
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset', 'inf', 'nan']);
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

export interface PromQLNames {
  metrics: string[];
  /** Every label named: in matchers and in grouping lists. */
  labels: string[];
  /** Labels named in grouping lists (`by`, `without`, `on`, `ignoring`, `group_*`) only. */
  groupingLabels: string[];
  /** Each selector's metric and the labels its `{…}` matchers name. */
  selectors: { metric: string; labels: string[] }[];
  functions: string[];
}

export function promqlNames(expr: string): PromQLNames {
  const cleaned = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b\d+(?:ms|s|m|h|d|w|y)\b/g, '0');
  const tokens = cleaned.match(/[a-zA-Z_:][a-zA-Z0-9_:]*|\d+(?:\.\d+)?(?:e[+-]?\d+)?|=~|!~|!=|==|>=|<=|\S/g) ?? [];
  const metrics = new Set<string>();
  const labels = new Set<string>();
  const functions = new Set<string>();
  const groupingLabels = new Set<string>();
  const selectors: { metric: string; labels: string[] }[] = [];
  let lastMetric: string | undefined;
  let inBraces = false;
  let inGrouping = false;
  let expectGroupingList = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // `group_left`/`group_right` may stand without a label list.
    if (expectGroupingList && t !== '(') expectGroupingList = false;
    if (t === '{') {
      inBraces = true;
      // A selector `name{…}` (or a bare `{…}`, which names no metric).
      selectors.push({ metric: tokens[i - 1] === lastMetric && lastMetric ? lastMetric : '', labels: [] });
    } else if (t === '}') inBraces = false;
    else if (t === '(' && expectGroupingList) {
      inGrouping = true;
      expectGroupingList = false;
    } else if (t === ')' && inGrouping) inGrouping = false;
    else if (/^[a-zA-Z_:]/.test(t)) {
      if (inBraces || inGrouping) {
        labels.add(t);
        if (inGrouping) groupingLabels.add(t);
        else selectors.at(-1)!.labels.push(t);
      } else if (GROUPING.has(t)) expectGroupingList = true;
      else if (KEYWORDS.has(t)) continue;
      else if (tokens[i + 1] === '(' || tokens[i + 1] === 'by' || tokens[i + 1] === 'without') {
        if (!FUNCTIONS.has(t)) throw new Error(`unknown PromQL function ${t} in: ${expr}`);
        functions.add(t);
      } else {
        metrics.add(t);
        lastMetric = t;
      }
    }
  }
  return { metrics: [...metrics], labels: [...labels], groupingLabels: [...groupingLabels], selectors, functions: [...functions] };
}
