/**
 * Prometheus alert rules for the telemetry overview's monitoring advice (high error rates, slow
 * operations, security events, resource usage, lost telemetry), plus `promtool test rules` cases that make each
 * alert fire on one synthetic series and stay silent on another.
 */
import { stringify } from 'yaml';
import { DEFAULT_MAX_SESSIONS, getMetricDefinition } from '../../src/definitions.ts';
import { orZero, prom } from './dashboards.ts';

/** Thresholds, stated once: the rules, their descriptions and the promtool cases derive from them. */
export const ALERT_THRESHOLDS = {
  /** Share of a server's tool calls that fail, over 5 minutes. */
  toolCallErrorRatio: 0.05,
  /** p95 tool-call latency in seconds, per server and tool. */
  toolCallLatencyP95Seconds: 5,
  /** A guardrail spike: violations/s over 5 minutes at least this many times the previous hour's rate... */
  guardrailSpikeFactor: 3,
  /** ...and at least this many violations per second (3 a minute), so a quiet baseline does not page. */
  guardrailSpikeMinRate: 0.05,
  /** Failed authentications per second over 5 minutes, per transport (30 in 5 minutes). */
  authFailureRate: 0.1,
  /** Share of cache lookups that miss, over 15 minutes. */
  cacheMissRatio: 0.5,
  /** Share of the gateway's `max_sessions` (DEFAULT_MAX_SESSIONS unless regenerated) that warns. */
  sessionLimitWarnRatio: 0.8,
  /** How long telemetry must keep being dropped (any rate above zero) before the alert fires. */
  telemetryDropFor: '10m',
  /** Seconds the event loop was blocked (longest delay in the last 5 minutes) that count as a stall. */
  eventLoopStallSeconds: 1,
} as const;

const T = ALERT_THRESHOLDS;
const OVERVIEW = '/d/enkrypt-gateway-overview';
const SECURITY = '/d/enkrypt-gateway-security';

interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: 'warning' | 'critical' };
  annotations: { summary: string; description: string; dashboard: string };
}

function rate(metric: string, window: string, by: string): string {
  return `sum by (${by}) (rate(${metric}[${window}]))`;
}

const guardrail5m = rate(prom('guardrailViolations'), '5m', 'server, direction');
const guardrailBaseline = `sum by (server, direction) (rate(${prom('guardrailViolations')}[1h] offset 5m))`;
const misses = rate(prom('cacheMisses'), '15m', 'cache');
const hits = rate(prom('cacheHits'), '15m', 'cache');

/** The command that regenerates the rules for a gateway whose `max_sessions` is not the default. */
export const REGENERATE_FOR_MAX_SESSIONS = 'MAX_SESSIONS=<n> pnpm --filter @secure-mcp-gateway/metrics-catalog generate';

export interface AlertOptions {
  /** The gateway's `max_sessions` the session alert is computed from (default DEFAULT_MAX_SESSIONS). */
  maxSessions?: number;
}

// Below this, 80% of the limit is within a session or two of it and the alert says nothing useful.
const MIN_MAX_SESSIONS = 10;

function maxSessionsOf(options: AlertOptions): number {
  const n = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  if (!Number.isInteger(n) || n < MIN_MAX_SESSIONS) {
    throw new Error(`alert generator: max_sessions must be an integer of at least ${MIN_MAX_SESSIONS}, got ${String(n)}`);
  }
  return n;
}

/** The session count the alert fires above: 80% of `max_sessions`, rounded down. */
export function sessionWarnThreshold(maxSessions: number = DEFAULT_MAX_SESSIONS): number {
  // Integer percent, so 1000 gives 800 and not 799.9999….
  return Math.floor((maxSessions * Math.round(T.sessionLimitWarnRatio * 100)) / 100);
}

function sessionLimitText(maxSessions: number): string {
  const limit =
    maxSessions === DEFAULT_MAX_SESSIONS
      ? `the gateway's default max_sessions (${maxSessions})`
      : `max_sessions = ${maxSessions} (these rules were generated for it; the gateway default is ${DEFAULT_MAX_SESSIONS})`;
  return (
    `over ${T.sessionLimitWarnRatio * 100}% of ${limit}. ` +
    `If the gateway runs with another max_sessions, regenerate the rules: ${REGENERATE_FOR_MAX_SESSIONS}.`
  );
}

/** The alert rules, with the session alert computed for `maxSessions`. */
export function alertRules(options: AlertOptions = {}): AlertRule[] {
  const maxSessions = maxSessionsOf(options);
  return [
    {
      alert: 'EnkryptToolCallErrorRateHigh',
      expr: `${rate(prom('toolCallFailure'), '5m', 'server')}\n  /\n${rate(prom('toolCalls'), '5m', 'server')}\n  > ${T.toolCallErrorRatio}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Tool calls to {{ $labels.server }} are failing',
        description: `{{ $value | humanizePercentage }} of tool calls to {{ $labels.server }} failed over the last 5 minutes (threshold ${T.toolCallErrorRatio * 100}%).`,
        dashboard: OVERVIEW,
      },
    },
    {
      alert: 'EnkryptToolCallLatencyP95High',
      expr: `histogram_quantile(0.95, sum by (server, tool, le) (rate(${prom('toolCallDuration')}_bucket[5m])))\n  > ${T.toolCallLatencyP95Seconds}`,
      for: '10m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Slow tool calls: {{ $labels.server }}/{{ $labels.tool }}',
        description: `p95 latency of {{ $labels.server }}/{{ $labels.tool }} is {{ $value | humanizeDuration }} (threshold ${T.toolCallLatencyP95Seconds}s).`,
        dashboard: OVERVIEW,
      },
    },
    {
      alert: 'EnkryptGuardrailViolationSpike',
      // A series new in the last hour has no baseline; `unless` lets it alert on the floor alone.
      expr:
        `(\n  ${guardrail5m} > ${T.guardrailSpikeFactor} * ${guardrailBaseline}\n  or\n  ${guardrail5m} unless ${guardrailBaseline}\n)\n` +
        `and\n${guardrail5m} > ${T.guardrailSpikeMinRate}`,
      for: '2m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Guardrail violation spike on {{ $labels.server }} ({{ $labels.direction }})',
        description: `{{ $labels.direction }} guardrail violations on {{ $labels.server }} are at {{ $value | printf "%.2f" }}/s, over ${T.guardrailSpikeFactor}x the previous hour's rate.`,
        dashboard: SECURITY,
      },
    },
    {
      alert: 'EnkryptAuthFailureSpike',
      expr: `${rate(prom('authFailure'), '5m', 'transport')} > ${T.authFailureRate}`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'Authentication failures spiking ({{ $labels.transport }})',
        description: `{{ $value | printf "%.2f" }} failed gateway-key authentications per second over {{ $labels.transport }} (threshold ${T.authFailureRate}/s); possible key guessing or a misconfigured client.`,
        dashboard: SECURITY,
      },
    },
    {
      alert: 'EnkryptCacheMissRatioHigh',
      // `or … * 0` stands in for a cache that has no hit series yet, so 100% misses still alert.
      expr: `${misses}\n  /\n(${misses} + ${orZero(hits, misses)})\n  > ${T.cacheMissRatio}`,
      for: '15m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Low hit ratio on the {{ $labels.cache }} cache',
        description: `{{ $value | humanizePercentage }} of {{ $labels.cache }} cache lookups missed over 15 minutes (threshold ${T.cacheMissRatio * 100}%); upstream servers take the load.`,
        dashboard: OVERVIEW,
      },
    },
    {
      alert: 'EnkryptActiveSessionsNearLimit',
      expr: `sum by (job, instance) (${prom('activeSessions')}) > ${sessionWarnThreshold(maxSessions)}`,
      for: '5m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Gateway {{ $labels.instance }} is near its session limit',
        description: `{{ $value }} active sessions on {{ $labels.instance }}, ${sessionLimitText(maxSessions)}`,
        dashboard: OVERVIEW,
      },
    },
    {
      alert: 'EnkryptTelemetryDropping',
      // rate over 5m stays above zero for `for` only while drops keep happening; a one-off burst resolves.
      expr: `${rate(prom('telemetryDropped'), '5m', 'instance, signal, reason')} > 0`,
      for: T.telemetryDropFor,
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Telemetry is being dropped on {{ $labels.instance }} ({{ $labels.signal }}: {{ $labels.reason }})',
        description: `{{ $value | printf "%.2f" }} {{ $labels.signal }} items per second dropped ({{ $labels.reason }}) for over ${T.telemetryDropFor}; traces and logs have gaps. Check that the collector is reachable and keeping up, or raise max_queue_size; for signal log_mirror, check that stderr is read or the log_mirror file is writable.`,
        dashboard: OVERVIEW,
      },
    },
    {
      alert: 'EnkryptEventLoopStalled',
      // The max gauge resets at each collection: max_over_time keeps a one-off stall visible for 5m.
      expr: `max by (job, instance) (max_over_time(${prom('eventLoopDelayMax')}[5m])) > ${T.eventLoopStallSeconds}`,
      for: '2m',
      labels: { severity: 'critical' },
      annotations: {
        summary: 'The event loop of {{ $labels.instance }} stalled',
        description: `{{ $labels.instance }} could not serve anything for {{ $value | humanizeDuration }} at a stretch in the last 5 minutes (threshold ${T.eventLoopStallSeconds}s): a request that blocks the gateway (large or hostile input, a CPU-bound hook) or an overloaded host.`,
        dashboard: OVERVIEW,
      },
    },
  ];
}

/** The rules for the default max_sessions (what the committed files hold). */
export const ALERT_RULES: AlertRule[] = alertRules();

const HEADER =
  '# Generated by @secure-mcp-gateway/metrics-catalog (pnpm --filter @secure-mcp-gateway/metrics-catalog generate).\n' +
  '# Do not edit: change packages/metrics-catalog/scripts/generators/alerts.ts and regenerate.\n';

export function renderAlertRules(options: AlertOptions = {}): string {
  return HEADER + stringify({ groups: [{ name: 'secure-mcp-gateway', rules: alertRules(options) }] }, { lineWidth: 0 });
}

// ── promtool unit tests ─────────────────────────────────────────────────────

interface ExpAlert {
  exp_labels: Record<string, string>;
  exp_annotations: Record<string, string>;
}

function expectedAlert(rules: AlertRule[], alert: string, labels: Record<string, string>, value: string): ExpAlert {
  const rule = rules.find((r) => r.alert === alert)!;
  const fill = (s: string) =>
    s
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, k: string) => labels[k] ?? '')
      .replace(/\{\{ \$value[^}]*\}\}/g, value);
  return {
    exp_labels: { severity: rule.labels.severity, ...labels },
    exp_annotations: {
      summary: fill(rule.annotations.summary),
      description: fill(rule.annotations.description),
      dashboard: rule.annotations.dashboard,
    },
  };
}

interface TestCase {
  interval: string;
  input_series: { series: string; values: string }[];
  alert_rule_test: { eval_time: string; alertname: string; exp_alerts: ExpAlert[] }[];
}

const JOB = 'job="secure-mcp-gateway",instance="gw-1"';

/** One group per alert; each has a series that fires and one that must not. */
export function promtoolTests(options: AlertOptions = {}): TestCase[] {
  const rules = alertRules(options);
  const maxSessions = maxSessionsOf(options);
  const expected = (alert: string, labels: Record<string, string>, value: string) => expectedAlert(rules, alert, labels, value);
  // Session counts as percentages of max_sessions, so the cases hold for any regenerated limit:
  // rounded up where the alert must fire, down where it must not.
  const atLeast = (percent: number) => Math.ceil((maxSessions * percent) / 100);
  const atMost = (percent: number) => Math.floor((maxSessions * percent) / 100);
  return [
    {
      // server a: 6 of 60 calls a minute fail (10%); server b: 1 of 60 (1.7%).
      interval: '1m',
      input_series: [
        { series: `${prom('toolCalls')}{server="a",tool="t",${JOB}}`, values: '0+60x30' },
        { series: `${prom('toolCallFailure')}{server="a",tool="t",error_type="UpstreamError",${JOB}}`, values: '0+6x30' },
        { series: `${prom('toolCalls')}{server="b",tool="t",${JOB}}`, values: '0+60x30' },
        { series: `${prom('toolCallFailure')}{server="b",tool="t",error_type="UpstreamError",${JOB}}`, values: '0+1x30' },
      ],
      alert_rule_test: [
        // Pending, not yet firing: 5m of data, `for` not yet elapsed.
        { eval_time: '3m', alertname: 'EnkryptToolCallErrorRateHigh', exp_alerts: [] },
        {
          eval_time: '15m',
          alertname: 'EnkryptToolCallErrorRateHigh',
          exp_alerts: [expected('EnkryptToolCallErrorRateHigh', { server: 'a' }, '10%')],
        },
      ],
    },
    {
      // slow/t: every call lands in (5, 10]; fast/t: every call lands in (0.05, 0.1].
      interval: '1m',
      input_series: [
        ...bucketSeries('slow', 10),
        ...bucketSeries('fast', 0.1),
      ],
      alert_rule_test: [
        {
          eval_time: '20m',
          alertname: 'EnkryptToolCallLatencyP95High',
          exp_alerts: [expected('EnkryptToolCallLatencyP95High', { server: 'slow', tool: 't' }, '9.75s')],
        },
      ],
    },
    {
      // spiky/input: 1 violation a minute for 70 minutes, then 60 a minute; calm/input: 1 a minute throughout;
      // fresh/output: no history, then 30 a minute.
      interval: '1m',
      input_series: [
        { series: `${prom('guardrailViolations')}{server="spiky",direction="input",violation_type="injection",${JOB}}`, values: '0+1x70 130+60x10' },
        { series: `${prom('guardrailViolations')}{server="calm",direction="input",violation_type="injection",${JOB}}`, values: '0+1x80' },
        { series: `${prom('guardrailViolations')}{server="fresh",direction="output",violation_type="toxicity",${JOB}}`, values: '_x70 0+30x10' },
      ],
      alert_rule_test: [
        { eval_time: '60m', alertname: 'EnkryptGuardrailViolationSpike', exp_alerts: [] },
        {
          eval_time: '75m',
          alertname: 'EnkryptGuardrailViolationSpike',
          exp_alerts: [
            expected('EnkryptGuardrailViolationSpike', { server: 'fresh', direction: 'output' }, '0.50'),
            expected('EnkryptGuardrailViolationSpike', { server: 'spiky', direction: 'input' }, '1.00'),
          ],
        },
      ],
    },
    {
      // http: 12 failures a minute (0.2/s); stdio: 3 a minute (0.05/s).
      interval: '1m',
      input_series: [
        { series: `${prom('authFailure')}{transport="http",reason="unknown_key",${JOB}}`, values: '0+12x20' },
        { series: `${prom('authFailure')}{transport="stdio",reason="unknown_key",${JOB}}`, values: '0+3x20' },
      ],
      alert_rule_test: [
        {
          eval_time: '10m',
          alertname: 'EnkryptAuthFailureSpike',
          exp_alerts: [expected('EnkryptAuthFailureSpike', { transport: 'http' }, '0.20')],
        },
      ],
    },
    {
      // tools: 3 hits and 7 misses a minute (70% miss); servers: 9 hits, 1 miss (10%);
      // cold: misses only, no hit series at all (100%).
      interval: '1m',
      input_series: [
        { series: `${prom('cacheHits')}{cache="tools",server="a",${JOB}}`, values: '0+3x40' },
        { series: `${prom('cacheMisses')}{cache="tools",server="a",${JOB}}`, values: '0+7x40' },
        { series: `${prom('cacheHits')}{cache="servers",server="a",${JOB}}`, values: '0+9x40' },
        { series: `${prom('cacheMisses')}{cache="servers",server="a",${JOB}}`, values: '0+1x40' },
        { series: `${prom('cacheMisses')}{cache="cold",server="a",${JOB}}`, values: '0+5x40' },
      ],
      alert_rule_test: [
        {
          eval_time: '35m',
          alertname: 'EnkryptCacheMissRatioHigh',
          exp_alerts: [
            expected('EnkryptCacheMissRatioHigh', { cache: 'cold' }, '100%'),
            expected('EnkryptCacheMissRatioHigh', { cache: 'tools' }, '70%'),
          ],
        },
      ],
    },
    {
      // gw-1: 50% stdio + 35% http of max_sessions (85% > 80%); gw-2: 70% in all. Sessions ending drops gw-1 below.
      interval: '1m',
      input_series: [
        { series: `${prom('activeSessions')}{transport="stdio",job="secure-mcp-gateway",instance="gw-1"}`, values: `${atLeast(50)}x20 ${atLeast(10)}x10` },
        { series: `${prom('activeSessions')}{transport="http",job="secure-mcp-gateway",instance="gw-1"}`, values: `${atLeast(35)}x20 ${atLeast(35)}x10` },
        { series: `${prom('activeSessions')}{transport="http",job="secure-mcp-gateway",instance="gw-2"}`, values: `${atMost(70)}x30` },
      ],
      alert_rule_test: [
        {
          eval_time: '10m',
          alertname: 'EnkryptActiveSessionsNearLimit',
          exp_alerts: [
            expected('EnkryptActiveSessionsNearLimit', { job: 'secure-mcp-gateway', instance: 'gw-1' }, String(atLeast(50) + atLeast(35))),
          ],
        },
        // The gauge went down when sessions ended: the alert resolves.
        { eval_time: '28m', alertname: 'EnkryptActiveSessionsNearLimit', exp_alerts: [] },
      ],
    },
    {
      // gw-1: 10 spans a minute lost to a full queue, throughout; gw-2: log export failures long ago,
      // no new ones (the total stays flat); gw-3: a 3-minute burst of drops, then none.
      interval: '1m',
      input_series: [
        { series: `${prom('telemetryDropped')}{signal="traces",reason="queue_full",job="secure-mcp-gateway",instance="gw-1"}`, values: '0+10x30' },
        { series: `${prom('telemetryDropped')}{signal="logs",reason="export_failed",job="secure-mcp-gateway",instance="gw-2"}`, values: '40x30' },
        { series: `${prom('telemetryDropped')}{signal="traces",reason="shutdown",job="secure-mcp-gateway",instance="gw-3"}`, values: '0+5x3 15x27' },
      ],
      alert_rule_test: [
        // Dropping, but not yet for 10 minutes: pending only.
        { eval_time: '6m', alertname: 'EnkryptTelemetryDropping', exp_alerts: [] },
        {
          eval_time: '20m',
          alertname: 'EnkryptTelemetryDropping',
          exp_alerts: [expected('EnkryptTelemetryDropping', { instance: 'gw-1', signal: 'traces', reason: 'queue_full' }, '0.17')],
        },
      ],
    },
    {
      // gw-1: one 3-second stall at minute 10, otherwise 20 ms; gw-2: 200 ms at worst (busy, never stalled).
      interval: '1m',
      input_series: [
        { series: `${prom('eventLoopDelayMax')}{job="secure-mcp-gateway",instance="gw-1"}`, values: '0.02x9 3 0.02x20' },
        { series: `${prom('eventLoopDelayMax')}{job="secure-mcp-gateway",instance="gw-2"}`, values: '0.2x30' },
      ],
      alert_rule_test: [
        { eval_time: '5m', alertname: 'EnkryptEventLoopStalled', exp_alerts: [] },
        // Pending right after the stall, firing once it has been seen for 2 minutes.
        { eval_time: '11m', alertname: 'EnkryptEventLoopStalled', exp_alerts: [] },
        {
          eval_time: '13m',
          alertname: 'EnkryptEventLoopStalled',
          exp_alerts: [expected('EnkryptEventLoopStalled', { job: 'secure-mcp-gateway', instance: 'gw-1' }, '3s')],
        },
        // Out of the 5-minute window: resolved.
        { eval_time: '20m', alertname: 'EnkryptEventLoopStalled', exp_alerts: [] },
      ],
    },
  ];
}

/** The promtool cases for the default max_sessions. */
export const PROMTOOL_TESTS: TestCase[] = promtoolTests();

/** Cumulative histogram series for one server where every call (60 a minute) takes `seconds`. */
function bucketSeries(server: string, seconds: number): { series: string; values: string }[] {
  const bounds = [...getMetricDefinition('toolCallDuration').buckets.map(String), '+Inf'];
  const name = prom('toolCallDuration');
  const labels = `server="${server}",tool="t",outcome="success",${JOB}`;
  return [
    ...bounds.map((le) => ({
      series: `${name}_bucket{${labels},le="${le}"}`,
      values: le === '+Inf' || Number(le) >= seconds ? '0+60x30' : '0x30',
    })),
    { series: `${name}_count{${labels}}`, values: '0+60x30' },
    { series: `${name}_sum{${labels}}`, values: `0+${60 * seconds}x30` },
  ];
}

export function renderAlertTests(rulesFileFromTests: string, options: AlertOptions = {}): string {
  return (
    HEADER +
    stringify(
      { rule_files: [rulesFileFromTests], evaluation_interval: '1m', tests: promtoolTests(options) },
      { lineWidth: 0 },
    )
  );
}
