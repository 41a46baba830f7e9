/**
 * `promtool test rules` cases: each alert of alerts.ts fires on one synthetic series and stays
 * silent on another (the SLO burn-rate cases are in slo-tests.ts).
 */
import { stringify } from 'yaml';
import { getMetricDefinition } from '../../src/definitions.ts';
import { HEADER, alertRules, maxSessionsOf } from './alerts.ts';
import type { AlertOptions } from './alerts.ts';
import { prom } from './promql.ts';
import { expectedAlert } from './rule-types.ts';
import type { ExpAlert, TestCase } from './rule-types.ts';

const JOB = 'job="secure-mcp-gateway",instance="gw-1"';

/** One group per alert; each has a series that fires and one that must not. */
export function promtoolTests(options: AlertOptions = {}): TestCase[] {
  const rules = alertRules(options);
  const maxSessions = maxSessionsOf(options);
  const expected = (alert: string, labels: Record<string, string>, value: string): ExpAlert => expectedAlert(rules, alert, labels, value);
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
