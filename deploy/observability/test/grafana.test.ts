import { describe, expect, it } from 'vitest';
import { METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { at, isObject, listFiles, readJson, readYaml, type Json, type JsonObject } from './helpers.ts';

const datasourcesFile = readYaml('grafana/provisioning/datasources/datasources.yaml');
const datasources = datasourcesFile.datasources as JsonObject[];
const byUid = new Map(datasources.map((d) => [String(d.uid), d]));
const PROVISIONED_UIDS = new Set(byUid.keys());

/** Series names a PromQL query may use for each catalog instrument. */
const CATALOG_SERIES = new Map<string, string>();
/** The Prometheus labels each catalog series carries (attribute keys with `.` → `_`). */
const CATALOG_LABELS = new Map<string, Set<string>>();
for (const def of METRIC_DEFINITIONS) {
  const labels = new Set(def.attributes.map((a) => a.replace(/[^A-Za-z0-9_]/g, '_')));
  CATALOG_SERIES.set(def.prometheusName, def.name);
  CATALOG_LABELS.set(def.prometheusName, labels);
  if (def.kind === 'histogram') {
    for (const s of ['_bucket', '_sum', '_count']) {
      CATALOG_SERIES.set(def.prometheusName + s, def.name);
      CATALOG_LABELS.set(def.prometheusName + s, labels);
    }
  }
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan', 'atan2']);

/**
 * The metric names a PromQL expression selects: label matchers, grouping clauses, ranges,
 * strings, Grafana variables, function names and keywords removed.
 */
function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = m[0];
    const rest = stripped.slice(m.index! + word.length);
    if (/^\s*\(/.test(rest)) continue; // a function or aggregation
    if (PROMQL_WORDS.has(word.toLowerCase())) continue;
    if (/^\d/.test(word) || /^(\d+[smhdwy])+$/.test(word)) continue;
    names.add(word);
  }
  return [...names];
}

interface Panel { title: string; type: string; datasource?: Json; targets?: JsonObject[]; panels?: Panel[] }

function allPanels(dashboard: JsonObject): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: Panel[] | undefined): void => {
    for (const panel of panels ?? []) {
      out.push(panel);
      walk(panel.panels);
    }
  };
  walk(dashboard.panels as unknown as Panel[]);
  return out;
}

/** A panel's or target's datasource uid, resolving `${var}` through the dashboard's datasource variables. */
function datasourceUid(ref: Json | undefined, dashboard: JsonObject): string | undefined {
  if (ref === undefined || ref === null) return undefined;
  let uid = typeof ref === 'string' ? ref : isObject(ref) ? String(ref.uid ?? '') : '';
  const variable = /^\$\{?([A-Za-z0-9_]+)\}?$/.exec(uid)?.[1];
  if (variable) {
    const list = (at(dashboard, 'templating', 'list') as JsonObject[] | undefined) ?? [];
    const v = list.find((item) => item.name === variable && item.type === 'datasource');
    if (!v) return `unresolved variable ${uid}`;
    const current = at(v, 'current', 'value');
    uid = typeof current === 'string' && current ? current : String(v.query ?? '');
  }
  return uid || undefined;
}

const dashboardFiles = listFiles('grafana/dashboards', (f) => f.endsWith('.json'));

describe('Grafana datasources', () => {
  it('provisions prometheus, loki and jaeger under the agreed uids, at the compose service addresses', () => {
    expect([...PROVISIONED_UIDS].sort()).toEqual(['jaeger', 'loki', 'prometheus']);
    expect(byUid.get('prometheus')).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true });
    expect(byUid.get('loki')).toMatchObject({ type: 'loki', url: 'http://loki:3100' });
    expect(byUid.get('jaeger')).toMatchObject({ type: 'jaeger', url: 'http://jaeger:16686' });
  });

  it('links Prometheus exemplars to Jaeger by trace_id', () => {
    const destinations = at(byUid.get('prometheus'), 'jsonData', 'exemplarTraceIdDestinations') as JsonObject[];
    expect(destinations).toEqual([expect.objectContaining({ name: 'trace_id', datasourceUid: 'jaeger' })]);
  });

  it('links Loki trace_id (structured metadata, and JSON lines) to Jaeger', () => {
    const fields = at(byUid.get('loki'), 'jsonData', 'derivedFields') as JsonObject[];
    expect(fields.length).toBeGreaterThan(0);
    for (const f of fields) expect(f.datasourceUid).toBe('jaeger');
    expect(fields).toContainEqual(expect.objectContaining({ matcherType: 'label', matcherRegex: 'trace_id' }));
    // The regex variant finds the id in a stdout-provider JSON line.
    const regex = fields.find((f) => f.matcherType === 'regex');
    const line = '{"level":"INFO","event":"tool call","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7"}';
    expect(new RegExp(String(regex!.matcherRegex)).exec(line)?.[1]).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('links Jaeger spans to Loki logs of the same trace, and to the tool metrics', () => {
    const toLogs = at(byUid.get('jaeger'), 'jsonData', 'tracesToLogsV2') as JsonObject;
    expect(toLogs.datasourceUid).toBe('loki');
    expect(toLogs.filterByTraceID).toBe(true);
    // Loki's OTLP ingestion turns service.name into the service_name label.
    expect(toLogs.tags).toContainEqual({ key: 'service.name', value: 'service_name' });
    // `$$` is Grafana's escape for a literal `$` in provisioning files.
    expect(String(toLogs.query)).toContain('trace_id="$${__span.traceId}"');
    const toMetrics = at(byUid.get('jaeger'), 'jsonData', 'tracesToMetrics') as JsonObject;
    expect(toMetrics.datasourceUid).toBe('prometheus');
    for (const q of toMetrics.queries as JsonObject[]) {
      const unknown = promqlMetricNames(String(q.query)).filter((n) => !CATALOG_SERIES.has(n));
      expect(unknown, String(q.name)).toEqual([]);
    }
  });

  it('maps span attributes onto labels that every trace-to-metrics query\'s catalog metrics carry', () => {
    const toMetrics = at(byUid.get('jaeger'), 'jsonData', 'tracesToMetrics') as JsonObject;
    const tags = toMetrics.tags as { key: string; value: string }[];
    expect(tags.length).toBeGreaterThan(0);
    // $__tags puts `<value>="<span attribute>"` into each query: a label a queried metric lacks
    // would match nothing, so every query must be able to take every mapped label.
    const labels = [...new Set(tags.map((t) => t.value))];
    const problems: string[] = [];
    for (const q of toMetrics.queries as JsonObject[]) {
      const query = String(q.query);
      if (!query.includes('$__tags')) problems.push(`"${String(q.name)}": does not use $__tags (written $$__tags in provisioning)`);
      for (const metric of promqlMetricNames(query)) {
        for (const label of labels) if (!CATALOG_LABELS.get(metric)?.has(label)) problems.push(`"${String(q.name)}": ${metric} has no label ${label}`);
      }
    }
    expect(problems).toEqual([]);
    // The catalog's `server` and `tool` labels name the upstream server and tool. The gateway puts
    // those in enkrypt.server and gen_ai.tool.name of the spans below the root one (the upstream
    // call, its guardrail steps and its CLIENT span); the e2e check in prometheus-scrape.test.ts
    // expands these queries from real spans of a gateway run.
    expect(tags).toEqual(
      expect.arrayContaining([
        { key: 'enkrypt.server', value: 'server' },
        { key: 'gen_ai.tool.name', value: 'tool' },
      ]),
    );
  });
});

describe('dashboards provider', () => {
  it('loads the catalog dashboards read-only from the mounted folder', () => {
    const providers = readYaml('grafana/provisioning/dashboards/dashboards.yaml').providers as JsonObject[];
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({ type: 'file', allowUiUpdates: false, options: { path: '/etc/grafana/dashboards' } });
  });
});

describe('the PromQL metric-name extractor', () => {
  it('finds selected metrics and ignores labels, functions, variables and ranges', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le, mcp_method_name) (rate(mcp_server_operation_duration_bucket{job=~"$job", server="a b"}[$__rate_interval])))',
      ),
    ).toEqual(['mcp_server_operation_duration_bucket']);
    expect(promqlMetricNames('sum(rate(enkrypt_tool_call_failure_total[5m])) / clamp_min(sum(rate(enkrypt_tool_calls_total[5m])), 1) > bool 0.1')).toEqual([
      'enkrypt_tool_call_failure_total',
      'enkrypt_tool_calls_total',
    ]);
  });
});

describe.each(dashboardFiles)('dashboard %s', (file) => {
  const dashboard = readJson(file) as JsonObject;
  const panels = allPanels(dashboard);
  const queryPanels = panels.filter((p) => p.type !== 'row' && p.type !== 'text');

  it('has panels, a uid and a title', () => {
    expect(typeof dashboard.uid).toBe('string');
    expect(typeof dashboard.title).toBe('string');
    expect(queryPanels.length).toBeGreaterThan(0);
  });

  it('every panel queries through a provisioned datasource uid', () => {
    const problems: string[] = [];
    for (const panel of queryPanels) {
      const panelUid = datasourceUid(panel.datasource, dashboard);
      if (!panel.targets?.length) problems.push(`"${panel.title}": no queries`);
      for (const target of panel.targets ?? []) {
        const uid = datasourceUid(target.datasource, dashboard) ?? panelUid;
        if (!uid || !PROVISIONED_UIDS.has(uid)) problems.push(`"${panel.title}": datasource ${uid ?? '(none)'} is not provisioned`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('template variables query provisioned datasources and catalog metrics', () => {
    const problems: string[] = [];
    for (const v of (at(dashboard, 'templating', 'list') as JsonObject[] | undefined) ?? []) {
      if (v.type !== 'query') continue;
      const uid = datasourceUid(v.datasource, dashboard);
      if (!uid || !PROVISIONED_UIDS.has(uid)) problems.push(`variable ${String(v.name)}: datasource ${uid ?? '(none)'} is not provisioned`);
      const q = isObject(v.query) ? String(v.query.query ?? '') : String(v.query ?? '');
      const metric = /label_values\(\s*([A-Za-z_:][A-Za-z0-9_:]*)\s*,/.exec(q)?.[1];
      if (uid === 'prometheus' && metric && !CATALOG_SERIES.has(metric)) problems.push(`variable ${String(v.name)}: ${metric} is not a catalog metric`);
    }
    expect(problems).toEqual([]);
  });

  it('every metrics panel queries a catalog metric, and nothing outside the catalog', () => {
    const problems: string[] = [];
    for (const panel of queryPanels) {
      const panelUid = datasourceUid(panel.datasource, dashboard);
      const promTargets = (panel.targets ?? []).filter((t) => (datasourceUid(t.datasource, dashboard) ?? panelUid) === 'prometheus');
      if (promTargets.length === 0) continue; // a Loki or Jaeger panel
      let catalogHits = 0;
      for (const target of promTargets) {
        const expr = String(target.expr ?? '');
        if (!expr.trim()) problems.push(`"${panel.title}" (${String(target.refId)}): empty expression`);
        for (const name of promqlMetricNames(expr)) {
          if (CATALOG_SERIES.has(name)) catalogHits++;
          else problems.push(`"${panel.title}" (${String(target.refId)}): ${name} is not a catalog metric`);
        }
      }
      if (catalogHits === 0) problems.push(`"${panel.title}": queries no catalog metric`);
    }
    expect(problems).toEqual([]);
  });
});
