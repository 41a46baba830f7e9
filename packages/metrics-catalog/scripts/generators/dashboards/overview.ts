/**
 * The overview dashboard. Several replicas of one gateway report the same series under different
 * `instance` labels: every panel about "the gateway" sums across instances.
 */
import { SLO_DEFINITIONS } from '../../../src/slos.ts';
import { ALERT_THRESHOLDS } from '../alerts.ts';
import { RATE_INTERVAL as R, orZero, prom, quantile, sumRate } from '../promql.ts';
import { errorBudget } from '../slo.ts';
import { logsPanel, statPanel, timeseriesPanel, tracesPanel } from './panels.ts';
import type { Placed, TimeseriesSpec } from './panels.ts';
import type { DashboardSpec } from './layout.ts';
import { sloSection } from './slo-panels.ts';

const SERVER = '{server=~"$server"}';

const half = (spec: TimeseriesSpec): Placed => ({ panel: timeseriesPanel(spec), width: 12 });
const third = (spec: TimeseriesSpec): Placed => ({ panel: timeseriesPanel(spec), width: 8 });
const full = (spec: TimeseriesSpec): Placed => ({ panel: timeseriesPanel(spec), width: 24 });

/** p50, p95 and p99 of a duration histogram from its buckets, all replicas together. */
export function latencyQuantiles(key: Parameters<typeof prom>[0], filter = ''): { expr: string; legend: string }[] {
  return [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, key, R, [], filter), legend: `p${Math.round(q * 100)}` }));
}

const calls = sumRate(`${prom('toolCalls')}${SERVER}`, R);
const failures = sumRate(`${prom('toolCallFailure')}${SERVER}`, R);
const cacheHits = sumRate(prom('cacheHits'), R, ['cache']);
const cacheMisses = sumRate(prom('cacheMisses'), R, ['cache']);
const cacheHitsOrZero = orZero(cacheHits, cacheMisses);
const cacheMissesOrZero = orZero(cacheMisses, cacheHits);

const errorSlo = SLO_DEFINITIONS.find((s) => s.indicator.kind === 'ratio' && s.indicator.bad === 'toolCallFailure');
const latencySlo = SLO_DEFINITIONS.find((s) => s.indicator.kind === 'latency' && s.indicator.histogram === 'toolCallDuration');

const byOperation = (key: Parameters<typeof prom>[0], label: string) => ({
  expr: sumRate(prom(key), R, ['operation']),
  legend: `${label}: {{operation}}`,
});

/** A fresh spec each call: the SDK's builders are mutable and a built panel belongs to one dashboard. */
export const overview = (): DashboardSpec => ({
  uid: 'enkrypt-gateway-overview',
  title: 'Secure MCP Gateway — overview',
  description: 'Service level objectives, tool-call traffic, latency, cache, sessions, auth and timeouts, with logs and traces.',
  file: 'secure-mcp-gateway-overview.json',
  sections: [
    sloSection(),
    {
      row: 'Tool calls',
      panels: [
        half({
          title: 'Tool-call rate',
          description: 'Tool calls received per second, by server and tool, all replicas together.',
          unit: 'reqps',
          targets: [{ expr: sumRate(`${prom('toolCalls')}${SERVER}`, R, ['server', 'tool']), legend: '{{server}} / {{tool}}' }],
        }),
        half({
          title: 'Tool-call success / failure rate',
          description: 'Successful, failed (not blocked) and erroring tool calls per second, all replicas together.',
          unit: 'reqps',
          targets: [
            { expr: sumRate(`${prom('toolCallSuccess')}${SERVER}`, R), legend: 'success' },
            { expr: sumRate(`${prom('toolCallFailure')}${SERVER}`, R, ['error_type']), legend: 'failure: {{error_type}}' },
            { expr: sumRate(`${prom('toolCallErrors')}${SERVER}`, R, ['error_type']), legend: 'error: {{error_type}}' },
          ],
        }),
        half({
          title: 'Tool-call latency (p50 / p95 / p99)',
          description:
            'Time from receiving a tool call to answering it, from the histogram buckets of all replicas.' +
            (latencySlo?.indicator.kind === 'latency' ? ` Dashed line: the latency SLO's ${latencySlo.indicator.thresholdSeconds} s threshold.` : ''),
          unit: 's',
          targets: latencyQuantiles('toolCallDuration', SERVER),
          lines: latencySlo?.indicator.kind === 'latency' ? [{ value: latencySlo.indicator.thresholdSeconds, color: 'red' }] : [],
        }),
        {
          width: 12,
          panel: statPanel({
            title: 'Tool-call error ratio',
            description:
              'Share of tool calls that failed (blocked calls excluded), all replicas together. ' +
              `Orange from the error SLO's budget (${errorSlo ? errorBudget(errorSlo) * 100 : '-'}%), red from the per-server alert's ${ALERT_THRESHOLDS.toolCallErrorRatio * 100}%.`,
            unit: 'percentunit',
            // Before the first failure there is no failure series: `or calls * 0` makes that 0%, not "No data".
            target: { expr: `${orZero(failures, calls)} / ${calls}`, legend: 'error ratio' },
            steps: [
              ...(errorSlo ? [{ value: errorBudget(errorSlo), color: 'orange' }] : []),
              { value: ALERT_THRESHOLDS.toolCallErrorRatio, color: 'red' },
            ],
          }),
        },
      ],
    },
    {
      row: 'Discovery and cache',
      panels: [
        third({
          title: 'Cache hit ratio',
          description: 'Share of cache lookups answered from the cache, by cache, all replicas together.',
          unit: 'percentunit',
          // A cache with misses but no hits yet has no hit series (and vice versa); without the
          // fallbacks the panel would be blank exactly when the ratio is 0% (or 100%).
          targets: [{ expr: `${cacheHitsOrZero} / (${cacheHitsOrZero} + ${cacheMissesOrZero})`, legend: '{{cache}}' }],
        }),
        third({
          title: 'Cache hits and misses',
          description: 'Cache lookups per second, by cache and result.',
          unit: 'ops',
          targets: [
            { expr: cacheHits, legend: 'hit: {{cache}}' },
            { expr: cacheMisses, legend: 'miss: {{cache}}' },
          ],
        }),
        third({
          title: 'Server discovery',
          description: 'List-all-servers requests and servers found per second.',
          unit: 'ops',
          targets: [
            { expr: sumRate(prom('listServersCalls'), R), legend: 'list-all-servers calls' },
            { expr: sumRate(prom('serversDiscovered'), R), legend: 'servers discovered' },
          ],
        }),
      ],
    },
    {
      row: 'Sessions and auth',
      panels: [
        third({
          title: 'Active sessions',
          description:
            'MCP sessions open now, by transport, all replicas together; and the busiest replica, which is what max_sessions limits.',
          unit: 'short',
          targets: [
            { expr: `sum by (transport) (${prom('activeSessions')})`, legend: '{{transport}}' },
            { expr: `max(sum by (instance) (${prom('activeSessions')}))`, legend: 'busiest replica' },
          ],
        }),
        third({
          title: 'Active users',
          description:
            'Users with an open session now, added up over replicas: a user with sessions on two replicas counts twice.',
          unit: 'short',
          targets: [{ expr: `sum(${prom('activeUsers')})`, legend: 'users' }],
        }),
        third({
          title: 'Authentication success / failure',
          description: 'Gateway-key authentications per second, by transport.',
          unit: 'ops',
          targets: [
            { expr: sumRate(prom('authSuccess'), R, ['transport']), legend: 'success: {{transport}}' },
            { expr: sumRate(prom('authFailure'), R, ['transport']), legend: 'failure: {{transport}}' },
          ],
        }),
      ],
    },
    {
      row: 'Timeouts',
      panels: [
        half({
          title: 'Timeout operations by result',
          description: 'Operations under the timeout manager per second, by how they ended.',
          unit: 'ops',
          targets: [
            byOperation('timeoutOperations', 'started'),
            byOperation('timeoutOperationsSuccessful', 'successful'),
            byOperation('timeoutOperationsTimedOut', 'timed out'),
            byOperation('timeoutOperationsCancelled', 'cancelled'),
          ],
        }),
        half({
          title: 'Timeout escalations',
          description: 'Escalations per second: warn, timeout and fail levels.',
          unit: 'ops',
          targets: [
            byOperation('timeoutEscalationWarn', 'warn'),
            byOperation('timeoutEscalationTimeout', 'timeout'),
            byOperation('timeoutEscalationFail', 'fail'),
          ],
        }),
        half({
          title: 'Timeout operation latency (p95)',
          description: '95th percentile duration of timeout-managed operations, all replicas together.',
          unit: 's',
          targets: [{ expr: quantile(0.95, 'timeoutOperationDuration', R, ['operation']), legend: '{{operation}}' }],
        }),
        half({
          title: 'Active timeout-managed operations',
          description: 'Operations in flight under the timeout manager, all replicas together.',
          unit: 'short',
          targets: [{ expr: `sum by (operation) (${prom('timeoutActiveOperations')})`, legend: '{{operation}}' }],
        }),
      ],
    },
    {
      row: 'Telemetry pipeline',
      panels: [
        full({
          title: 'Telemetry dropped (by signal and reason)',
          description:
            'Spans and log records the OpenTelemetry provider lost per second: export queue full, shut down before sending, or export failed; ' +
            'signal log_mirror counts log-mirror lines not written. Anything above zero means gaps in traces and logs.',
          unit: 'cps',
          targets: [{ expr: sumRate(prom('telemetryDropped'), R, ['signal', 'reason']), legend: '{{signal}}: {{reason}}' }],
        }),
      ],
    },
    {
      row: 'MCP operations',
      panels: [
        full({
          title: 'MCP operation latency (p95)',
          description: 'MCP semantic-convention durations: gateway as server and as client of upstreams.',
          unit: 's',
          targets: [
            { expr: quantile(0.95, 'mcpServerOperationDuration', R, ['mcp_method_name']), legend: 'server: {{mcp_method_name}}' },
            { expr: quantile(0.95, 'mcpClientOperationDuration', R, ['mcp_method_name']), legend: 'client: {{mcp_method_name}}' },
          ],
        }),
      ],
    },
    {
      row: 'Logs and traces',
      panels: [
        { panel: logsPanel('Gateway logs', 'Gateway log records from Loki; trace_id links open the trace in Jaeger.'), width: 24, height: 10 },
        { panel: tracesPanel(), width: 24 },
      ],
    },
  ],
});
