import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GATEWAY_METRIC_DEFINITIONS, METRIC_DEFINITIONS, getMetricDefinition, prometheusNameOf } from '../src/index.ts';
import { repoRoot } from '../scripts/repo-root.ts';

const SHARED_DESIGN = resolve(repoRoot(), '..', 'shared', 'DESIGN.md');
const FIXTURE_DESIGN = fileURLToPath(new URL('./fixtures/DESIGN.md', import.meta.url));

/** DESIGN.md lives beside the clone (../shared); a committed copy stands in when it is absent. */
function designDoc(): { path: string; text: string } {
  const path = existsSync(SHARED_DESIGN) ? SHARED_DESIGN : FIXTURE_DESIGN;
  return { path, text: readFileSync(path, 'utf8') };
}

/**
 * Every `enkrypt_*` name in the design, expanding list shorthand (`enkrypt_x_total`, `_successful`):
 * a `_word` right after a name in the same comma-separated list swaps that name's last word.
 */
function designMetricNames(text: string): string[] {
  const names: string[] = [];
  let last: string | undefined;
  let lastEnd = -1;
  for (const m of text.matchAll(/`([a-z_][a-z0-9_]*)`/g)) {
    const token = m[1]!;
    const adjacent = last !== undefined && /^[\s,]*$/.test(text.slice(lastEnd, m.index));
    if (token.startsWith('enkrypt_')) {
      names.push(token);
      last = token;
    } else if (token.startsWith('_') && adjacent) {
      names.push(last!.replace(/_[a-z0-9]+$/, token));
    } else {
      last = undefined;
      continue;
    }
    lastEnd = m.index + m[0].length;
  }
  return names;
}

// The recorder table every other package codes against (team RULES.md).
const AGREED: [key: string, name: string, kind: string, attributes: string[]][] = [
  ['toolCalls', 'enkrypt_tool_calls_total', 'counter', ['server', 'tool']],
  ['toolCallDuration', 'enkrypt_tool_call_duration_seconds', 'histogram', ['server', 'tool', 'outcome']],
  ['toolCallSuccess', 'enkrypt_tool_call_success_total', 'counter', ['server', 'tool']],
  ['toolCallFailure', 'enkrypt_tool_call_failure_total', 'counter', ['server', 'tool', 'error_type']],
  ['toolCallErrors', 'enkrypt_tool_call_errors_total', 'counter', ['server', 'tool', 'error_type']],
  ['toolCallBlocked', 'enkrypt_tool_call_blocked_total', 'counter', ['server', 'tool', 'direction', 'violation_type']],
  ['listServersCalls', 'enkrypt_list_all_servers_calls', 'counter', []],
  ['serversDiscovered', 'enkrypt_servers_discovered', 'counter', []],
  ['cacheHits', 'enkrypt_cache_hits_total', 'counter', ['cache', 'server']],
  ['cacheMisses', 'enkrypt_cache_misses_total', 'counter', ['cache', 'server']],
  ['guardrailViolations', 'enkrypt_guardrail_violations_total', 'counter', ['server', 'direction', 'violation_type']],
  ['inputGuardrailViolations', 'enkrypt_input_guardrail_violations_total', 'counter', ['server', 'violation_type']],
  ['outputGuardrailViolations', 'enkrypt_output_guardrail_violations_total', 'counter', ['server', 'violation_type']],
  ['relevancyViolations', 'enkrypt_relevancy_violations_total', 'counter', ['server']],
  ['adherenceViolations', 'enkrypt_adherence_violations_total', 'counter', ['server']],
  ['hallucinationViolations', 'enkrypt_hallucination_violations_total', 'counter', ['server']],
  ['piiRedactions', 'enkrypt_pii_redactions_total', 'counter', ['server', 'direction', 'pii_type']],
  ['apiRequests', 'enkrypt_api_requests_total', 'counter', ['endpoint', 'outcome']],
  ['apiRequestDuration', 'enkrypt_api_request_duration_seconds', 'histogram', ['endpoint', 'outcome']],
  ['authSuccess', 'enkrypt_auth_success_total', 'counter', ['transport']],
  ['authFailure', 'enkrypt_auth_failure_total', 'counter', ['transport', 'reason']],
  ['activeSessions', 'enkrypt_active_sessions', 'observableGauge', ['transport']],
  ['activeUsers', 'enkrypt_active_users', 'observableGauge', []],
  ['timeoutOperations', 'enkrypt_timeout_operations_total', 'counter', ['operation']],
  ['timeoutOperationsSuccessful', 'enkrypt_timeout_operations_successful', 'counter', ['operation']],
  ['timeoutOperationsTimedOut', 'enkrypt_timeout_operations_timed_out', 'counter', ['operation']],
  ['timeoutOperationsCancelled', 'enkrypt_timeout_operations_cancelled', 'counter', ['operation']],
  ['timeoutEscalationWarn', 'enkrypt_timeout_escalation_warn', 'counter', ['operation']],
  ['timeoutEscalationTimeout', 'enkrypt_timeout_escalation_timeout', 'counter', ['operation']],
  ['timeoutEscalationFail', 'enkrypt_timeout_escalation_fail', 'counter', ['operation']],
  ['timeoutOperationDuration', 'enkrypt_timeout_operation_duration_seconds', 'histogram', ['operation', 'outcome']],
  ['timeoutActiveOperations', 'enkrypt_timeout_active_operations', 'upDownCounter', ['operation']],
  // Not in RULES.md: the OpenTelemetry provider's self-monitoring counter, catalogued so dashboards and alerts can use it.
  ['telemetryDropped', 'enkrypt_telemetry_dropped_total', 'observableCounter', ['signal', 'reason']],
  // Not in RULES.md (issue 18): trace-context members dropped past the W3C limits, and the Node.js
  // runtime instruments the gateway starts (external rows, so dashboards and alerts can name them).
  ['traceContextDropped', 'enkrypt_trace_context_dropped_total', 'counter', ['field']],
  ['eventLoopDelayMax', 'nodejs.eventloop.delay.max', 'observableGauge', []],
  ['eventLoopDelayP99', 'nodejs.eventloop.delay.p99', 'observableGauge', []],
  ['eventLoopUtilization', 'nodejs.eventloop.utilization', 'observableGauge', []],
  // The MCP semantic-convention histograms, with the conventions' attribute keys (instrumentation-mcp/semconv).
  ['mcpServerOperationDuration', 'mcp.server.operation.duration', 'histogram', ['mcp.method.name', 'error.type', 'gen_ai.tool.name', 'gen_ai.prompt.name', 'rpc.response.status_code', 'gen_ai.operation.name', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version']],
  ['mcpClientOperationDuration', 'mcp.client.operation.duration', 'histogram', ['mcp.method.name', 'error.type', 'gen_ai.tool.name', 'gen_ai.prompt.name', 'rpc.response.status_code', 'gen_ai.operation.name', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version', 'server.address', 'server.port']],
  ['mcpServerSessionDuration', 'mcp.server.session.duration', 'histogram', ['error.type', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version']],
  ['mcpClientSessionDuration', 'mcp.client.session.duration', 'histogram', ['error.type', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version', 'server.address', 'server.port']],
];

describe('the catalog table', () => {
  const { path, text } = designDoc();
  const designNames = designMetricNames(text);

  it(`finds the design's enkrypt_* names (${path})`, () => {
    expect(designNames.length).toBeGreaterThanOrEqual(32);
    expect(designNames).toContain('enkrypt_timeout_operations_timed_out');
    expect(designNames).toContain('enkrypt_timeout_escalation_fail');
  });

  it('keeps the committed DESIGN.md fallback naming the same metrics as ../shared', () => {
    const fixture = designMetricNames(readFileSync(FIXTURE_DESIGN, 'utf8'));
    expect(fixture.length).toBeGreaterThanOrEqual(32);
    if (existsSync(SHARED_DESIGN)) expect(fixture).toEqual(designNames);
  });

  it('holds every DESIGN.md enkrypt_* name exactly once', () => {
    for (const name of new Set(designNames)) {
      expect(METRIC_DEFINITIONS.filter((d) => d.name === name), name).toHaveLength(1);
    }
  });

  it('holds nothing but the design names, the four MCP semantic-convention histograms and the provider self-monitoring counter', () => {
    const extra = METRIC_DEFINITIONS.map((d) => d.name).filter((n) => !designNames.includes(n));
    expect(extra.sort()).toEqual([
      'enkrypt_telemetry_dropped_total',
      'enkrypt_trace_context_dropped_total',
      'mcp.client.operation.duration',
      'mcp.client.session.duration',
      'mcp.server.operation.duration',
      'mcp.server.session.duration',
      'nodejs.eventloop.delay.max',
      'nodejs.eventloop.delay.p99',
      'nodejs.eventloop.utilization',
    ]);
  });

  it('matches the agreed recorder keys, names, kinds and attribute keys', () => {
    expect(METRIC_DEFINITIONS.map((d) => [d.key, d.name, d.kind, [...d.attributes]])).toEqual(AGREED);
  });

  it('has unique keys, names and Prometheus names', () => {
    for (const field of ['key', 'name', 'prometheusName'] as const) {
      const values = METRIC_DEFINITIONS.map((d) => d[field]);
      expect(new Set(values).size, field).toBe(values.length);
    }
  });

  it('states Prometheus names: counters gain _total once, nothing doubles', () => {
    for (const d of METRIC_DEFINITIONS) {
      const sanitized = d.name.replace(/\./g, '_');
      const monotonic = d.kind === 'counter' || d.kind === 'observableCounter';
      const expected = monotonic && !sanitized.endsWith('_total') ? `${sanitized}_total` : sanitized;
      expect(d.prometheusName, d.name).toBe(expected);
      expect(d.prometheusName).not.toMatch(/_total_total|_seconds_seconds/);
      expect(prometheusNameOf(d.name)).toBe(d.prometheusName);
      expect(prometheusNameOf(d.key)).toBe(d.prometheusName);
    }
    expect(prometheusNameOf('enkrypt_list_all_servers_calls')).toBe('enkrypt_list_all_servers_calls_total');
    expect(prometheusNameOf('nope')).toBeUndefined();
  });

  it('gives histograms seconds and ascending buckets, and nothing else buckets', () => {
    for (const d of METRIC_DEFINITIONS) {
      if (d.kind !== 'histogram') {
        expect('buckets' in d, d.name).toBe(false);
        continue;
      }
      expect(d.unit, d.name).toBe('s');
      expect([...d.buckets].sort((a, b) => a - b), d.name).toEqual([...d.buckets]);
      // Seconds, not milliseconds: the first boundary is sub-second and the last is minutes at most.
      expect(d.buckets[0]!).toBeLessThan(0.1);
      expect(d.buckets.at(-1)!).toBeLessThanOrEqual(300);
    }
    expect(getMetricDefinition('mcpServerOperationDuration').buckets).toEqual([
      0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
    ]);
  });

  it('allows no high-cardinality or secret-bearing attribute keys', () => {
    for (const d of METRIC_DEFINITIONS) {
      for (const a of d.attributes) {
        expect(a, d.name).not.toMatch(/user|email|session|request|trace|span|key|token|id$|message|args|argument|result/i);
      }
    }
  });

  it('documents every instrument: description and where it is recorded', () => {
    for (const d of METRIC_DEFINITIONS) {
      expect(d.description.length, d.name).toBeGreaterThan(10);
      expect(d.recordedBy.length, d.name).toBeGreaterThan(10);
    }
  });

  it("describes the timeout counters as the gateway's timeout manager records them", () => {
    // cancelled = the caller gave up (client cancel or shutdown); an operation aborted at the fail
    // level after timing out is timed out only, so the outcome counters add up to the ones that ended.
    const cancelled = getMetricDefinition('timeoutOperationsCancelled');
    expect(cancelled.description).toMatch(/client cancellation or gateway shutdown/);
    expect(cancelled.recordedBy).toMatch(/notifications\/cancelled/);
    expect(cancelled.recordedBy).toMatch(/shutting down/);
    expect(cancelled.recordedBy).toMatch(/aborted at the fail level after a timeout count as timed out only/);
    expect(getMetricDefinition('timeoutOperationsTimedOut').recordedBy).toMatch(/later aborted at the fail level/);
    expect(getMetricDefinition('timeoutEscalationFail').recordedBy).toMatch(/counted as timed out, not cancelled/);
  });

  it("marks who records each row: the provider's self-monitoring counter, instrumentation-mcp the session durations, the runtime instrumentation's nodejs.* rows, the gateway everything else", () => {
    const notGateway: Record<string, string> = { telemetryDropped: 'provider', mcpServerSessionDuration: 'instrumentation', mcpClientSessionDuration: 'instrumentation' };
    for (const d of METRIC_DEFINITIONS) {
      expect(d.recordedIn, d.name).toBe(notGateway[d.key] ?? (d.name.startsWith('nodejs.') ? 'runtime' : 'gateway'));
    }
    expect(GATEWAY_METRIC_DEFINITIONS.map((d) => d.key)).toEqual(METRIC_DEFINITIONS.map((d) => d.key).filter((k) => !(k in notGateway) && !k.startsWith('eventLoop')));
  });
});
