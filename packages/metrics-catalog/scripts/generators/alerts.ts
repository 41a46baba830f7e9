/**
 * Prometheus alert rules for the telemetry overview's monitoring advice (high error rates, slow
 * operations, security events, resource usage, lost telemetry); `promtool test rules` cases make each
 * alert fire on one synthetic series and stay silent on another (alert-tests.ts). The SLO burn-rate
 * rules (slo.ts) have a file of their own.
 */
import { stringify } from 'yaml';
import { DEFAULT_MAX_SESSIONS } from '../../src/definitions.ts';
import { orZero, prom, sumRate } from './promql.ts';
import { generatedHeader } from './rule-types.ts';
import type { AlertRule } from './rule-types.ts';

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

const rate = (metric: string, window: string, by: string) => sumRate(metric, window, by.split(', '));

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

export function maxSessionsOf(options: AlertOptions): number {
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

export const HEADER = generatedHeader('scripts/generators/alerts.ts');

export function renderAlertRules(options: AlertOptions = {}): string {
  return HEADER + stringify({ groups: [{ name: 'secure-mcp-gateway', rules: alertRules(options) }] }, { lineWidth: 0 });
}
