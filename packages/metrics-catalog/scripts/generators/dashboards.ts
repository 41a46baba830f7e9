/**
 * Grafana dashboards generated from the catalog. Every PromQL query names its metrics through
 * `prom(key)`, so a renamed instrument renames the query; the tests check the reverse (every
 * metric a query uses is in the catalog, and the catalog's `dashboards` column lists the panel).
 */
import { getMetricDefinition } from '../../src/definitions.ts';
import type { GatewayMetricKey } from '../../src/definitions.ts';

/** Datasource uids the deploy stack provisions (deploy/observability/grafana/provisioning). */
export const DATASOURCE_UIDS = { prometheus: 'prometheus', loki: 'loki', jaeger: 'jaeger' } as const;
type DatasourceKind = keyof typeof DATASOURCE_UIDS;

/** `service.name` the gateway reports by default; Loki's `service_name` label, Jaeger's service. */
const DEFAULT_SERVICE = 'secure-mcp-gateway';

/** Prometheus name of a catalog instrument. */
export function prom(key: GatewayMetricKey): string {
  return getMetricDefinition(key).prometheusName;
}

const RATE = '[$__rate_interval]';
const SERVER = '{server=~"$server"}';

interface Target {
  expr: string;
  legend?: string;
  /** Jaeger search instead of PromQL/LogQL. */
  jaeger?: true;
}

interface PanelSpec {
  title: string;
  description: string;
  type: 'timeseries' | 'stat' | 'logs' | 'table';
  datasource: DatasourceKind;
  targets: Target[];
  unit?: string;
  w: number;
  h: number;
}

interface RowSpec {
  row: string;
  panels: PanelSpec[];
}

interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  file: string;
  rows: RowSpec[];
}

function ts(title: string, description: string, unit: string, targets: Target[], w = 12): PanelSpec {
  return { title, description, type: 'timeseries', datasource: 'prometheus', unit, targets, w, h: 8 };
}

function quantiles(key: GatewayMetricKey, by: string, filter = ''): Target[] {
  const group = by ? `${by}, le` : 'le';
  const legendPrefix = by ? by.split(', ').map((l) => `{{${l}}}`).join(' / ') + ' ' : '';
  return [0.5, 0.95, 0.99].map((q) => ({
    expr: `histogram_quantile(${q}, sum by (${group}) (rate(${prom(key)}_bucket${filter}${RATE})))`,
    legend: `${legendPrefix}p${Math.round(q * 100)}`,
  }));
}

function logsPanel(title: string, description: string, lineFilter: string): PanelSpec {
  return {
    title,
    description,
    type: 'logs',
    datasource: 'loki',
    targets: [{ expr: `{service_name=~"$service"}${lineFilter} |~ "$search"` }],
    w: 24,
    h: 10,
  };
}

const tracesPanel: PanelSpec = {
  title: 'Recent traces',
  description: 'Latest gateway traces from Jaeger; click a trace ID to open it.',
  type: 'table',
  datasource: 'jaeger',
  targets: [{ expr: '', jaeger: true }],
  w: 24,
  h: 8,
};

/**
 * `a or b * 0`: `a`, or 0 for each label set where only `b` has a series. Counters appear on the
 * first increment, so a ratio's numerator is often missing exactly when it should read 0.
 */
export function orZero(expr: string, fallback: string): string {
  return `(${expr} or ${fallback} * 0)`;
}

const cacheHitsRate = `sum by (cache) (rate(${prom('cacheHits')}${RATE}))`;
const cacheMissesRate = `sum by (cache) (rate(${prom('cacheMisses')}${RATE}))`;
const cacheHitsOrZero = orZero(cacheHitsRate, cacheMissesRate);
const cacheMissesOrZero = orZero(cacheMissesRate, cacheHitsRate);

export const DASHBOARDS: DashboardSpec[] = [
  {
    uid: 'enkrypt-gateway-overview',
    title: 'Secure MCP Gateway — overview',
    description: 'Tool-call traffic, latency, cache, sessions, auth and timeouts, with logs and traces.',
    file: 'secure-mcp-gateway-overview.json',
    rows: [
      {
        row: 'Tool calls',
        panels: [
          ts('Tool-call rate', 'Tool calls received per second, by server and tool.', 'reqps', [
            { expr: `sum by (server, tool) (rate(${prom('toolCalls')}${SERVER}${RATE}))`, legend: '{{server}} / {{tool}}' },
          ]),
          ts('Tool-call success / failure rate', 'Successful, failed (not blocked) and erroring tool calls per second.', 'reqps', [
            { expr: `sum(rate(${prom('toolCallSuccess')}${SERVER}${RATE}))`, legend: 'success' },
            { expr: `sum by (error_type) (rate(${prom('toolCallFailure')}${SERVER}${RATE}))`, legend: 'failure: {{error_type}}' },
            { expr: `sum by (error_type) (rate(${prom('toolCallErrors')}${SERVER}${RATE}))`, legend: 'error: {{error_type}}' },
          ]),
          ts(
            'Tool-call latency (p50 / p95 / p99)',
            'Time from receiving a tool call to answering it, from the histogram buckets.',
            's',
            quantiles('toolCallDuration', '', SERVER),
          ),
          {
            ...ts('Tool-call error ratio', 'Share of tool calls that failed (blocked calls excluded).', 'percentunit', [
              {
                // Before the first failure there is no failure series: `or calls * 0` makes that 0%, not "No data".
                expr: `${orZero(`sum(rate(${prom('toolCallFailure')}${SERVER}${RATE}))`, `sum(rate(${prom('toolCalls')}${SERVER}${RATE}))`)} / sum(rate(${prom('toolCalls')}${SERVER}${RATE}))`,
                legend: 'error ratio',
              },
            ]),
            type: 'stat',
          },
        ],
      },
      {
        row: 'Discovery and cache',
        panels: [
          ts('Cache hit ratio', 'Share of cache lookups answered from the cache, by cache.', 'percentunit', [
            {
              // A cache with misses but no hits yet has no hit series (and vice versa); without the
              // fallbacks the panel would be blank exactly when the ratio is 0% (or 100%).
              expr: `${cacheHitsOrZero} / (${cacheHitsOrZero} + ${cacheMissesOrZero})`,
              legend: '{{cache}}',
            },
          ], 8),
          ts('Cache hits and misses', 'Cache lookups per second, by cache and result.', 'ops', [
            { expr: `sum by (cache) (rate(${prom('cacheHits')}${RATE}))`, legend: 'hit: {{cache}}' },
            { expr: `sum by (cache) (rate(${prom('cacheMisses')}${RATE}))`, legend: 'miss: {{cache}}' },
          ], 8),
          ts('Server discovery', 'List-all-servers requests and servers found per second.', 'ops', [
            { expr: `sum(rate(${prom('listServersCalls')}${RATE}))`, legend: 'list-all-servers calls' },
            { expr: `sum(rate(${prom('serversDiscovered')}${RATE}))`, legend: 'servers discovered' },
          ], 8),
        ],
      },
      {
        row: 'Sessions and auth',
        panels: [
          ts('Active sessions', 'MCP sessions open now, by transport.', 'short', [
            { expr: `sum by (transport) (${prom('activeSessions')})`, legend: '{{transport}}' },
          ], 8),
          ts('Active users', 'Distinct users with an open session now.', 'short', [
            { expr: `sum(${prom('activeUsers')})`, legend: 'users' },
          ], 8),
          ts('Authentication success / failure', 'Gateway-key authentications per second, by transport.', 'ops', [
            { expr: `sum by (transport) (rate(${prom('authSuccess')}${RATE}))`, legend: 'success: {{transport}}' },
            { expr: `sum by (transport) (rate(${prom('authFailure')}${RATE}))`, legend: 'failure: {{transport}}' },
          ], 8),
        ],
      },
      {
        row: 'Timeouts',
        panels: [
          ts('Timeout operations by result', 'Operations under the timeout manager per second, by how they ended.', 'ops', [
            { expr: `sum by (operation) (rate(${prom('timeoutOperations')}${RATE}))`, legend: 'started: {{operation}}' },
            { expr: `sum by (operation) (rate(${prom('timeoutOperationsSuccessful')}${RATE}))`, legend: 'successful: {{operation}}' },
            { expr: `sum by (operation) (rate(${prom('timeoutOperationsTimedOut')}${RATE}))`, legend: 'timed out: {{operation}}' },
            { expr: `sum by (operation) (rate(${prom('timeoutOperationsCancelled')}${RATE}))`, legend: 'cancelled: {{operation}}' },
          ]),
          ts('Timeout escalations', 'Escalations per second: warn, timeout and fail levels.', 'ops', [
            { expr: `sum by (operation) (rate(${prom('timeoutEscalationWarn')}${RATE}))`, legend: 'warn: {{operation}}' },
            { expr: `sum by (operation) (rate(${prom('timeoutEscalationTimeout')}${RATE}))`, legend: 'timeout: {{operation}}' },
            { expr: `sum by (operation) (rate(${prom('timeoutEscalationFail')}${RATE}))`, legend: 'fail: {{operation}}' },
          ]),
          ts('Timeout operation latency (p95)', '95th percentile duration of timeout-managed operations.', 's', [
            {
              expr: `histogram_quantile(0.95, sum by (operation, le) (rate(${prom('timeoutOperationDuration')}_bucket${RATE})))`,
              legend: '{{operation}}',
            },
          ]),
          ts('Active timeout-managed operations', 'Operations in flight under the timeout manager.', 'short', [
            { expr: `sum by (operation) (${prom('timeoutActiveOperations')})`, legend: '{{operation}}' },
          ]),
        ],
      },
      {
        row: 'Telemetry pipeline',
        panels: [
          ts(
            'Telemetry dropped (by signal and reason)',
            'Spans and log records the OpenTelemetry provider lost per second: export queue full, shut down before sending, or export failed; signal log_mirror counts log-mirror lines not written. Anything above zero means gaps in traces and logs.',
            'cps',
            [
              {
                expr: `sum by (signal, reason) (rate(${prom('telemetryDropped')}${RATE}))`,
                legend: '{{signal}}: {{reason}}',
              },
            ],
            24,
          ),
        ],
      },
      {
        row: 'MCP operations',
        panels: [
          ts('MCP operation latency (p95)', 'MCP semantic-convention durations: gateway as server and as client of upstreams.', 's', [
            {
              expr: `histogram_quantile(0.95, sum by (mcp_method_name, le) (rate(${prom('mcpServerOperationDuration')}_bucket${RATE})))`,
              legend: 'server: {{mcp_method_name}}',
            },
            {
              expr: `histogram_quantile(0.95, sum by (mcp_method_name, le) (rate(${prom('mcpClientOperationDuration')}_bucket${RATE})))`,
              legend: 'client: {{mcp_method_name}}',
            },
          ], 24),
        ],
      },
      {
        row: 'Logs and traces',
        panels: [
          logsPanel('Gateway logs', 'Gateway log records from Loki; trace_id links open the trace in Jaeger.', ''),
          tracesPanel,
        ],
      },
    ],
  },
  {
    uid: 'enkrypt-gateway-security',
    title: 'Secure MCP Gateway — guardrails and security',
    description: 'Blocked calls, guardrail violations, PII redactions, guardrail API health and auth failures.',
    file: 'secure-mcp-gateway-security.json',
    rows: [
      {
        row: 'Guardrails',
        panels: [
          ts('Blocked tool calls by violation type and direction', 'Tool calls a guardrail blocked per second.', 'ops', [
            {
              expr: `sum by (direction, violation_type) (rate(${prom('toolCallBlocked')}${SERVER}${RATE}))`,
              legend: '{{direction}}: {{violation_type}}',
            },
          ]),
          ts('Guardrail violations by type and direction', 'Guardrail violations detected per second.', 'ops', [
            {
              expr: `sum by (direction, violation_type) (rate(${prom('guardrailViolations')}${SERVER}${RATE}))`,
              legend: '{{direction}}: {{violation_type}}',
            },
          ]),
          ts('Input / output guardrail violations', 'Violations in tool-call arguments and in tool results.', 'ops', [
            { expr: `sum by (violation_type) (rate(${prom('inputGuardrailViolations')}${SERVER}${RATE}))`, legend: 'input: {{violation_type}}' },
            { expr: `sum by (violation_type) (rate(${prom('outputGuardrailViolations')}${SERVER}${RATE}))`, legend: 'output: {{violation_type}}' },
          ]),
          ts('Relevancy, adherence and hallucination violations', 'Output quality checks that failed, per second.', 'ops', [
            { expr: `sum(rate(${prom('relevancyViolations')}${SERVER}${RATE}))`, legend: 'relevancy' },
            { expr: `sum(rate(${prom('adherenceViolations')}${SERVER}${RATE}))`, legend: 'adherence' },
            { expr: `sum(rate(${prom('hallucinationViolations')}${SERVER}${RATE}))`, legend: 'hallucination' },
          ]),
          ts('PII redactions by type and direction', 'PII values redacted per second.', 'ops', [
            {
              expr: `sum by (direction, pii_type) (rate(${prom('piiRedactions')}${SERVER}${RATE}))`,
              legend: '{{direction}}: {{pii_type}}',
            },
          ], 24),
        ],
      },
      {
        row: 'Guardrail API',
        panels: [
          ts('Guardrail API request rate by outcome', 'Requests to the guardrail API per second.', 'reqps', [
            { expr: `sum by (endpoint, outcome) (rate(${prom('apiRequests')}${RATE}))`, legend: '{{endpoint}}: {{outcome}}' },
          ]),
          ts('Guardrail API latency (p50 / p95 / p99)', 'Guardrail API request latency from the histogram buckets.', 's', quantiles('apiRequestDuration', '')),
        ],
      },
      {
        row: 'Authentication',
        panels: [
          ts('Authentication failures by reason', 'Rejected gateway-key authentications per second.', 'ops', [
            { expr: `sum by (transport, reason) (rate(${prom('authFailure')}${RATE}))`, legend: '{{transport}}: {{reason}}' },
          ], 24),
        ],
      },
      {
        row: 'Logs',
        panels: [
          logsPanel(
            'Guardrail and auth logs',
            'Gateway log records about guardrails, redaction and authentication.',
            ' |~ "(?i)guardrail|blocked|violation|redact|auth"',
          ),
        ],
      },
    ],
  },
];

function datasource(kind: DatasourceKind): { type: string; uid: string } {
  return { type: kind, uid: DATASOURCE_UIDS[kind] };
}

function panelJson(p: PanelSpec, id: number, x: number, y: number): Record<string, unknown> {
  const targets = p.targets.map((t, i) => {
    const refId = String.fromCharCode(65 + i);
    if (t.jaeger) {
      return { refId, datasource: datasource('jaeger'), queryType: 'search', service: '$service', limit: 20 };
    }
    if (p.datasource === 'loki') return { refId, datasource: datasource('loki'), expr: t.expr, queryType: 'range' };
    return { refId, datasource: datasource('prometheus'), expr: t.expr, legendFormat: t.legend ?? '', range: true };
  });
  const base = {
    id,
    type: p.type,
    title: p.title,
    description: p.description,
    datasource: datasource(p.datasource),
    gridPos: { h: p.h, w: p.w, x, y },
    targets,
  };
  switch (p.type) {
    case 'timeseries':
      return {
        ...base,
        fieldConfig: {
          defaults: { unit: p.unit, min: 0, custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: 10, showPoints: 'never' } },
          overrides: [],
        },
        options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      };
    case 'stat':
      return {
        ...base,
        fieldConfig: {
          defaults: {
            unit: p.unit,
            thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'orange', value: 0.01 }, { color: 'red', value: 0.05 }] },
          },
          overrides: [],
        },
        options: { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'area' },
      };
    case 'logs':
      return {
        ...base,
        options: { showTime: true, wrapLogMessage: true, sortOrder: 'Descending', enableLogDetails: true, prettifyLogMessage: false, dedupStrategy: 'none' },
      };
    case 'table':
      return { ...base, options: { showHeader: true, cellHeight: 'sm' }, fieldConfig: { defaults: {}, overrides: [] } };
  }
}

function dashboardJson(d: DashboardSpec): Record<string, unknown> {
  const panels: Record<string, unknown>[] = [];
  let id = 1;
  let y = 0;
  for (const row of d.rows) {
    panels.push({ id: id++, type: 'row', title: row.row, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      if (x + p.w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      panels.push(panelJson(p, id++, x, y));
      x += p.w;
      rowHeight = Math.max(rowHeight, p.h);
    }
    y += rowHeight;
  }
  return {
    uid: d.uid,
    title: d.title,
    description: d.description,
    tags: ['secure-mcp-gateway', 'generated'],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-1h', to: 'now' },
    annotations: { list: [] },
    links: [
      { title: 'Dashboards', type: 'dashboards', tags: ['secure-mcp-gateway'], asDropdown: false, includeVars: true, keepTime: true },
    ],
    templating: {
      list: [
        {
          name: 'server',
          label: 'Server',
          type: 'query',
          datasource: datasource('prometheus'),
          query: { query: `label_values(${prom('toolCalls')}, server)`, refId: 'server' },
          definition: `label_values(${prom('toolCalls')}, server)`,
          refresh: 2,
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { selected: true, text: ['All'], value: ['$__all'] },
          sort: 1,
        },
        {
          name: 'service',
          label: 'Service (logs and traces)',
          type: 'textbox',
          query: DEFAULT_SERVICE,
          current: { text: DEFAULT_SERVICE, value: DEFAULT_SERVICE },
        },
        {
          name: 'search',
          label: 'Log search (regex)',
          type: 'textbox',
          query: '',
          current: { text: '', value: '' },
        },
      ],
    },
    panels,
  };
}

/** Rendered dashboards, keyed by file name under deploy/observability/grafana/dashboards/. */
export function renderDashboards(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of DASHBOARDS) out[d.file] = `${JSON.stringify(dashboardJson(d), null, 2)}\n`;
  return out;
}
