import {
  MCP_CLIENT_OPERATION_DURATION,
  MCP_CLIENT_SESSION_DURATION,
  MCP_DURATION_BUCKETS as SEMCONV_MCP_DURATION_BUCKETS,
  MCP_SERVER_OPERATION_DURATION,
  MCP_SERVER_SESSION_DURATION,
} from '@secure-mcp-gateway/instrumentation-mcp/semconv';
import type { McpMetricDefinition } from '@secure-mcp-gateway/instrumentation-mcp/semconv';

/**
 * The one table of every gateway instrument. Recorders, dashboards, alert rules and
 * docs/metrics.md are all derived from it; change an instrument here and regenerate
 * (`pnpm --filter @secure-mcp-gateway/metrics-catalog generate`).
 */

/** How an instrument is created through the OpenTelemetry API. */
export type InstrumentKind = 'counter' | 'upDownCounter' | 'histogram' | 'observableGauge' | 'observableCounter';

/**
 * Who records an instrument: the gateway (through `createGatewayMetrics`), a telemetry provider,
 * or `@secure-mcp-gateway/instrumentation-mcp` (the MCP semantic-convention histograms it records
 * on every instrumented server and client), or the Node.js runtime instrumentation
 * (`@opentelemetry/instrumentation-runtime-node`).
 */
export type MetricRecordedIn = 'gateway' | 'provider' | 'instrumentation' | 'runtime';

/** One row of the catalog. */
export interface MetricDefinition {
  /** Property name on the object `createGatewayMetrics` returns. */
  readonly key: string;
  /** OpenTelemetry instrument name. */
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit; `{…}` annotations are dropped by Prometheus translators, `s` means seconds. */
  readonly unit: string;
  readonly description: string;
  /** Attribute keys the instrument may carry; anything else is dropped. */
  readonly attributes: readonly string[];
  /** Explicit histogram bucket boundaries in seconds (histograms only). */
  readonly buckets?: readonly number[];
  /**
   * The metric family name `@opentelemetry/exporter-prometheus` serves (monotonic counters, observable
   * ones included, gain `_total` once; histograms add `_bucket`/`_sum`/`_count` to this name).
   */
  readonly prometheusName: string;
  /**
   * Who creates and records the instrument: `gateway` rows are created by `createGatewayMetrics`;
   * `provider` rows are registered by a telemetry provider on its own meter (the gateway never
   * creates them, so no second, empty instrument of the same name appears). All rows feed the
   * dashboards, alert rules and docs.
   */
  readonly recordedIn: MetricRecordedIn;
  /** Where exactly it is recorded (for the docs). */
  readonly recordedBy: string;
  /** Titles of the generated Grafana panels that query it. */
  readonly dashboards: readonly string[];
  /** Names of the generated Prometheus alerts that use it. */
  readonly alerts: readonly string[];
}

/**
 * The gateway's default `max_sessions` (concurrent MCP sessions one instance accepts). The
 * generated `EnkryptActiveSessionsNearLimit` alert warns at 80% of it; a deployment with another
 * limit regenerates the rules with `MAX_SESSIONS=<n> pnpm --filter @secure-mcp-gateway/metrics-catalog generate`.
 */
export const DEFAULT_MAX_SESSIONS = 1000;

/** Bucket boundaries (seconds) for gateway-side latencies: 5 ms up to a minute. */
export const GATEWAY_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
] as const;

/**
 * Bucket boundaries (seconds) the MCP semantic conventions advise for the four `mcp.*` histograms.
 * Those rows take name, unit, buckets and attribute keys from instrumentation-mcp's semconv table
 * (bundled into this package at build time: one definition, no runtime dependency).
 */
export const MCP_DURATION_BUCKETS = SEMCONV_MCP_DURATION_BUCKETS;

/** The semconv fields of an `mcp.*` row (name, kind, unit, description, buckets, attribute keys). */
const mcpRow = <D extends McpMetricDefinition>(d: D) => ({ name: d.name, kind: d.kind, unit: d.unit, description: d.description, buckets: d.buckets, attributes: d.attributes });

const TIMEOUT_OPERATION = 'operation = tool_call | discovery | guardrail';

export const METRIC_DEFINITIONS = [
  // ── tool calls ────────────────────────────────────────────────────────────
  {
    key: 'toolCalls',
    name: 'enkrypt_tool_calls_total',
    kind: 'counter',
    unit: '{call}',
    description: 'Tool calls the gateway received for an upstream MCP server, whatever their outcome.',
    attributes: ['server', 'tool'],
    prometheusName: 'enkrypt_tool_calls_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway enkrypt_secure_call_tools handler, once per call in a batch, after the server name is resolved (before guardrails and the upstream call).',
    dashboards: ['Tool-call rate', 'Tool-call error ratio', 'Tool-call errors: error budget spent (30 days)', 'Tool-call errors: error budget burn rate'],
    alerts: ['EnkryptToolCallErrorRateHigh', 'EnkryptToolCallErrorsFastBurn', 'EnkryptToolCallErrorsSlowBurn'],
  },
  {
    key: 'toolCallDuration',
    name: 'enkrypt_tool_call_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Time from receiving a tool call to answering it, including guardrails and the upstream call.',
    attributes: ['server', 'tool', 'outcome'],
    buckets: GATEWAY_DURATION_BUCKETS,
    prometheusName: 'enkrypt_tool_call_duration_seconds',
    recordedIn: 'gateway',
    recordedBy: 'Gateway tools/call handler when the response is sent; outcome = success | failure | error | blocked | timeout.',
    dashboards: ['Tool-call latency (p50 / p95 / p99)', 'Tool-call latency: error budget spent (30 days)', 'Tool-call latency: error budget burn rate'],
    alerts: ['EnkryptToolCallLatencyP95High', 'EnkryptToolCallLatencyFastBurn', 'EnkryptToolCallLatencySlowBurn'],
  },
  {
    key: 'toolCallSuccess',
    name: 'enkrypt_tool_call_success_total',
    kind: 'counter',
    unit: '{call}',
    description: 'Tool calls that returned a result without an error.',
    attributes: ['server', 'tool'],
    prometheusName: 'enkrypt_tool_call_success_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway tools/call handler when the upstream result is returned (not isError) to the client.',
    dashboards: ['Tool-call success / failure rate'],
    alerts: [],
  },
  {
    key: 'toolCallFailure',
    name: 'enkrypt_tool_call_failure_total',
    kind: 'counter',
    unit: '{call}',
    description: 'Tool calls that did not succeed and were not blocked (upstream error result, timeout or exception).',
    attributes: ['server', 'tool', 'error_type'],
    prometheusName: 'enkrypt_tool_call_failure_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway tools/call handler when a call ends unsuccessfully for any reason other than a guardrail block.',
    dashboards: ['Tool-call success / failure rate', 'Tool-call error ratio', 'Tool-call errors: error budget spent (30 days)', 'Tool-call errors: error budget burn rate'],
    alerts: ['EnkryptToolCallErrorRateHigh', 'EnkryptToolCallErrorsFastBurn', 'EnkryptToolCallErrorsSlowBurn'],
  },
  {
    key: 'toolCallErrors',
    name: 'enkrypt_tool_call_errors_total',
    kind: 'counter',
    unit: '{error}',
    description: 'Errors raised while forwarding a tool call (transport, protocol or timeout), by error class.',
    attributes: ['server', 'tool', 'error_type'],
    prometheusName: 'enkrypt_tool_call_errors_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway upstream client when forwarding throws; error_type is the short error class, never a message.',
    dashboards: ['Tool-call success / failure rate'],
    alerts: [],
  },
  {
    key: 'toolCallBlocked',
    name: 'enkrypt_tool_call_blocked_total',
    kind: 'counter',
    unit: '{call}',
    description: 'Tool calls a guardrail blocked, by direction and violation type.',
    attributes: ['server', 'tool', 'direction', 'violation_type'],
    prometheusName: 'enkrypt_tool_call_blocked_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway guardrail step when an input or output guardrail blocks the call.',
    dashboards: ['Blocked tool calls by violation type and direction'],
    alerts: [],
  },
  // ── discovery and cache ───────────────────────────────────────────────────
  {
    key: 'listServersCalls',
    name: 'enkrypt_list_all_servers_calls',
    kind: 'counter',
    unit: '{call}',
    description: 'Requests to list all upstream servers and their tools.',
    attributes: [],
    prometheusName: 'enkrypt_list_all_servers_calls_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway discovery handler (tools/list across all configured servers), once per request.',
    dashboards: ['Server discovery'],
    alerts: [],
  },
  {
    key: 'serversDiscovered',
    name: 'enkrypt_servers_discovered',
    kind: 'counter',
    unit: '{server}',
    description: 'Upstream servers found by discovery (incremented by the number found).',
    attributes: [],
    prometheusName: 'enkrypt_servers_discovered_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway discovery handler after discovery completes, adding the number of servers found.',
    dashboards: ['Server discovery'],
    alerts: [],
  },
  {
    key: 'cacheHits',
    name: 'enkrypt_cache_hits_total',
    kind: 'counter',
    unit: '{lookup}',
    description: 'Cache lookups answered from the cache.',
    attributes: ['cache', 'server'],
    prometheusName: 'enkrypt_cache_hits_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway cache lookup (cache = tools | servers) when the entry is present and fresh.',
    dashboards: ['Cache hit ratio', 'Cache hits and misses'],
    alerts: ['EnkryptCacheMissRatioHigh'],
  },
  {
    key: 'cacheMisses',
    name: 'enkrypt_cache_misses_total',
    kind: 'counter',
    unit: '{lookup}',
    description: 'Cache lookups that had to go to the upstream server.',
    attributes: ['cache', 'server'],
    prometheusName: 'enkrypt_cache_misses_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway cache lookup (cache = tools | servers) when the entry is absent or expired.',
    dashboards: ['Cache hit ratio', 'Cache hits and misses'],
    alerts: ['EnkryptCacheMissRatioHigh'],
  },
  // ── guardrails and PII ────────────────────────────────────────────────────
  {
    key: 'guardrailViolations',
    name: 'enkrypt_guardrail_violations_total',
    kind: 'counter',
    unit: '{violation}',
    description: 'Guardrail violations detected, in either direction.',
    attributes: ['server', 'direction', 'violation_type'],
    prometheusName: 'enkrypt_guardrail_violations_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway guardrail step, once per violation type the guardrail API reports (direction = input | output).',
    dashboards: ['Guardrail violations by type and direction'],
    alerts: ['EnkryptGuardrailViolationSpike'],
  },
  {
    key: 'inputGuardrailViolations',
    name: 'enkrypt_input_guardrail_violations_total',
    kind: 'counter',
    unit: '{violation}',
    description: 'Guardrail violations detected in tool-call arguments (input).',
    attributes: ['server', 'violation_type'],
    prometheusName: 'enkrypt_input_guardrail_violations_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway input guardrail step, once per violation type found in the request.',
    dashboards: ['Input / output guardrail violations'],
    alerts: [],
  },
  {
    key: 'outputGuardrailViolations',
    name: 'enkrypt_output_guardrail_violations_total',
    kind: 'counter',
    unit: '{violation}',
    description: 'Guardrail violations detected in tool results (output).',
    attributes: ['server', 'violation_type'],
    prometheusName: 'enkrypt_output_guardrail_violations_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway output guardrail step, once per violation type found in the response.',
    dashboards: ['Input / output guardrail violations'],
    alerts: [],
  },
  {
    key: 'relevancyViolations',
    name: 'enkrypt_relevancy_violations_total',
    kind: 'counter',
    unit: '{violation}',
    description: 'Output relevancy check failures (the result does not address the request).',
    attributes: ['server'],
    prometheusName: 'enkrypt_relevancy_violations_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway output guardrail step when the relevancy check fails.',
    dashboards: ['Relevancy, adherence and hallucination violations'],
    alerts: [],
  },
  {
    key: 'adherenceViolations',
    name: 'enkrypt_adherence_violations_total',
    kind: 'counter',
    unit: '{violation}',
    description: 'Output adherence check failures (the result strays from the provided context).',
    attributes: ['server'],
    prometheusName: 'enkrypt_adherence_violations_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway output guardrail step when the adherence check fails.',
    dashboards: ['Relevancy, adherence and hallucination violations'],
    alerts: [],
  },
  {
    key: 'hallucinationViolations',
    name: 'enkrypt_hallucination_violations_total',
    kind: 'counter',
    unit: '{violation}',
    description: 'Output hallucination check failures.',
    attributes: ['server'],
    prometheusName: 'enkrypt_hallucination_violations_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway output guardrail step when the hallucination check fails.',
    dashboards: ['Relevancy, adherence and hallucination violations'],
    alerts: [],
  },
  {
    key: 'piiRedactions',
    name: 'enkrypt_pii_redactions_total',
    kind: 'counter',
    unit: '{redaction}',
    description: 'PII values redacted from requests (input) or restored/redacted in responses (output), by PII type.',
    attributes: ['server', 'direction', 'pii_type'],
    prometheusName: 'enkrypt_pii_redactions_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway redaction step, adding the number of values redacted per PII type.',
    dashboards: ['PII redactions by type and direction'],
    alerts: [],
  },
  {
    key: 'apiRequests',
    name: 'enkrypt_api_requests_total',
    kind: 'counter',
    unit: '{request}',
    description: 'Requests the gateway made to the guardrail API, by endpoint and outcome.',
    attributes: ['endpoint', 'outcome'],
    prometheusName: 'enkrypt_api_requests_total',
    recordedIn: 'gateway',
    recordedBy: 'Guardrail API client, once per HTTP request when it completes (outcome = success | failure | error | timeout).',
    dashboards: ['Guardrail API request rate by outcome'],
    alerts: [],
  },
  {
    key: 'apiRequestDuration',
    name: 'enkrypt_api_request_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Latency of guardrail API requests.',
    attributes: ['endpoint', 'outcome'],
    buckets: GATEWAY_DURATION_BUCKETS,
    prometheusName: 'enkrypt_api_request_duration_seconds',
    recordedIn: 'gateway',
    recordedBy: 'Guardrail API client when each HTTP request completes.',
    dashboards: ['Guardrail API latency (p50 / p95 / p99)'],
    alerts: [],
  },
  // ── auth and load ─────────────────────────────────────────────────────────
  {
    key: 'authSuccess',
    name: 'enkrypt_auth_success_total',
    kind: 'counter',
    unit: '{attempt}',
    description: 'Successful gateway-key authentications.',
    attributes: ['transport'],
    prometheusName: 'enkrypt_auth_success_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway auth step when the gateway key is accepted (transport = stdio | http).',
    dashboards: ['Authentication success / failure'],
    alerts: [],
  },
  {
    key: 'authFailure',
    name: 'enkrypt_auth_failure_total',
    kind: 'counter',
    unit: '{attempt}',
    description: 'Rejected gateway-key authentications, by short reason.',
    attributes: ['transport', 'reason'],
    prometheusName: 'enkrypt_auth_failure_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway auth step when a key is missing, unknown or malformed (reason is a short code, never the key).',
    dashboards: ['Authentication success / failure', 'Authentication failures by reason'],
    alerts: ['EnkryptAuthFailureSpike'],
  },
  {
    key: 'activeSessions',
    name: 'enkrypt_active_sessions',
    kind: 'observableGauge',
    unit: '{session}',
    description: 'MCP sessions open right now.',
    attributes: ['transport'],
    prometheusName: 'enkrypt_active_sessions',
    recordedIn: 'gateway',
    recordedBy: 'Gauge callback the gateway registers; it reads the live session table (goes down when a session ends).',
    dashboards: ['Active sessions'],
    alerts: ['EnkryptActiveSessionsNearLimit'],
  },
  {
    key: 'activeUsers',
    name: 'enkrypt_active_users',
    kind: 'observableGauge',
    unit: '{user}',
    description: 'Distinct authenticated users (gateway keys) with at least one open session right now.',
    attributes: [],
    prometheusName: 'enkrypt_active_users',
    recordedIn: 'gateway',
    recordedBy: 'Gauge callback the gateway registers; it counts distinct users in the live session table.',
    dashboards: ['Active users'],
    alerts: [],
  },
  // ── timeouts ──────────────────────────────────────────────────────────────
  {
    key: 'timeoutOperations',
    name: 'enkrypt_timeout_operations_total',
    kind: 'counter',
    unit: '{operation}',
    description: 'Operations started under the timeout manager.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_operations_total',
    recordedIn: 'gateway',
    recordedBy: `Timeout manager when it starts an operation (${TIMEOUT_OPERATION}).`,
    dashboards: ['Timeout operations by result'],
    alerts: [],
  },
  {
    key: 'timeoutOperationsSuccessful',
    name: 'enkrypt_timeout_operations_successful',
    kind: 'counter',
    unit: '{operation}',
    description: 'Timeout-managed operations that finished in time.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_operations_successful_total',
    recordedIn: 'gateway',
    recordedBy: 'Timeout manager when an operation completes before its deadline.',
    dashboards: ['Timeout operations by result'],
    alerts: [],
  },
  {
    key: 'timeoutOperationsTimedOut',
    name: 'enkrypt_timeout_operations_timed_out',
    kind: 'counter',
    unit: '{operation}',
    description: 'Timeout-managed operations that hit their deadline.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_operations_timed_out_total',
    recordedIn: 'gateway',
    recordedBy:
      'Timeout manager when an operation exceeds its deadline and the caller is answered with a timeout error; ' +
      'counted once, also when the still-running operation is later aborted at the fail level (that is not a cancellation).',
    dashboards: ['Timeout operations by result'],
    alerts: [],
  },
  {
    key: 'timeoutOperationsCancelled',
    name: 'enkrypt_timeout_operations_cancelled',
    kind: 'counter',
    unit: '{operation}',
    description:
      'Timeout-managed operations abandoned because the caller cancelled them (client cancellation or gateway shutdown) before they completed or timed out.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_operations_cancelled_total',
    recordedIn: 'gateway',
    recordedBy:
      "Timeout manager when the caller's abort signal fires (the client sent notifications/cancelled or its connection closed, or the gateway is shutting down) " +
      'while the operation is still running and has not timed out; the operation is aborted and its duration recorded with outcome = error. ' +
      'Operations aborted at the fail level after a timeout count as timed out only.',
    dashboards: ['Timeout operations by result'],
    alerts: [],
  },
  {
    key: 'timeoutEscalationWarn',
    name: 'enkrypt_timeout_escalation_warn',
    kind: 'counter',
    unit: '{escalation}',
    description: 'Operations that passed the warning threshold of their timeout.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_escalation_warn_total',
    recordedIn: 'gateway',
    recordedBy: 'Timeout manager when an operation crosses its warn threshold (escalation level 1).',
    dashboards: ['Timeout escalations'],
    alerts: [],
  },
  {
    key: 'timeoutEscalationTimeout',
    name: 'enkrypt_timeout_escalation_timeout',
    kind: 'counter',
    unit: '{escalation}',
    description: 'Operations escalated to the timeout level.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_escalation_timeout_total',
    recordedIn: 'gateway',
    recordedBy: 'Timeout manager when an operation reaches its timeout (escalation level 2).',
    dashboards: ['Timeout escalations'],
    alerts: [],
  },
  {
    key: 'timeoutEscalationFail',
    name: 'enkrypt_timeout_escalation_fail',
    kind: 'counter',
    unit: '{escalation}',
    description: 'Operations escalated to the fail level: still running after the timeout grace, so the upstream call was aborted.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_escalation_fail_total',
    recordedIn: 'gateway',
    recordedBy:
      'Timeout manager when a timed-out operation has still not settled after its grace period (escalation level 3); it aborts the operation ' +
      '(upstream: notifications/cancelled and a recycled connection). The operation stays counted as timed out, not cancelled.',
    dashboards: ['Timeout escalations'],
    alerts: [],
  },
  {
    key: 'timeoutOperationDuration',
    name: 'enkrypt_timeout_operation_duration_seconds',
    kind: 'histogram',
    unit: 's',
    description: 'Duration of timeout-managed operations, by how they ended.',
    attributes: ['operation', 'outcome'],
    buckets: GATEWAY_DURATION_BUCKETS,
    prometheusName: 'enkrypt_timeout_operation_duration_seconds',
    recordedIn: 'gateway',
    recordedBy: 'Timeout manager when an operation ends (outcome = success | timeout | failure | error).',
    dashboards: ['Timeout operation latency (p95)'],
    alerts: [],
  },
  {
    key: 'timeoutActiveOperations',
    name: 'enkrypt_timeout_active_operations',
    kind: 'upDownCounter',
    unit: '{operation}',
    description: 'Timeout-managed operations in flight.',
    attributes: ['operation'],
    prometheusName: 'enkrypt_timeout_active_operations',
    recordedIn: 'gateway',
    recordedBy: 'Timeout manager: +1 when an operation starts, -1 when it ends however it ends.',
    dashboards: ['Active timeout-managed operations'],
    alerts: [],
  },
  // ── telemetry self-monitoring ─────────────────────────────────────────────
  {
    // Registered by the OpenTelemetry provider itself (providers depend on core only, so it cannot
    // import this table); test/provider-instruments.test.ts checks its name, kind, unit,
    // description and attribute keys against this row.
    key: 'telemetryDropped',
    name: 'enkrypt_telemetry_dropped_total',
    kind: 'observableCounter',
    unit: '{item}',
    description: 'Telemetry items the OpenTelemetry provider dropped (queue full, shutdown, unwritable log mirror) or failed to export.',
    attributes: ['signal', 'reason'],
    prometheusName: 'enkrypt_telemetry_dropped_total',
    recordedIn: 'provider',
    recordedBy:
      'OpenTelemetry provider (@secure-mcp-gateway/provider-opentelemetry) on its own meter, from a callback reading its drop counts: ' +
      'signal = traces | logs with reason = queue_full | shutdown | export_failed (failed metric exports are not counted here), ' +
      'or signal = log_mirror with reason = not_written (log-mirror lines dropped because stderr is not read or the mirror file cannot be written). ' +
      'Gateway code does not record it.',
    dashboards: ['Telemetry dropped (by signal and reason)'],
    alerts: ['EnkryptTelemetryDropping'],
  },
  {
    key: 'traceContextDropped',
    name: 'enkrypt_trace_context_dropped_total',
    kind: 'counter',
    unit: '{member}',
    description: 'Trace-context list-members a client sent past the W3C limits (tracestate 32 members; baggage 180 members or 8,192 bytes) and an overlong traceparent, dropped without being parsed.',
    attributes: ['field'],
    prometheusName: 'enkrypt_trace_context_dropped_total',
    recordedIn: 'gateway',
    recordedBy: 'Gateway MCP server side, when it reads params._meta of an authenticated request (core readTraceCarrier); field = traceparent | tracestate | baggage.',
    dashboards: [],
    alerts: [],
  },
  // ── Node.js runtime (external instruments) ────────────────────────────────
  {
    // Recorded by the stock @opentelemetry/instrumentation-runtime-node the gateway starts on its
    // meter; catalogued so dashboards and alert rules can name it.
    key: 'eventLoopDelayMax',
    name: 'nodejs.eventloop.delay.max',
    kind: 'observableGauge',
    unit: 's',
    description: 'Longest event-loop delay since the previous collection: how long the gateway could not answer anything (Node.js runtime instrumentation).',
    attributes: [],
    prometheusName: 'nodejs_eventloop_delay_max',
    recordedIn: 'runtime',
    recordedBy: '@opentelemetry/instrumentation-runtime-node (started by the gateway on its meter), from perf_hooks.monitorEventLoopDelay; reset at each collection.',
    dashboards: [],
    alerts: ['EnkryptEventLoopStalled'],
  },
  {
    key: 'eventLoopDelayP99',
    name: 'nodejs.eventloop.delay.p99',
    kind: 'observableGauge',
    unit: 's',
    description: '99th percentile of the event-loop delay since the previous collection (Node.js runtime instrumentation).',
    attributes: [],
    prometheusName: 'nodejs_eventloop_delay_p99',
    recordedIn: 'runtime',
    recordedBy: '@opentelemetry/instrumentation-runtime-node (started by the gateway on its meter), from perf_hooks.monitorEventLoopDelay; reset at each collection.',
    dashboards: [],
    alerts: [],
  },
  {
    key: 'eventLoopUtilization',
    name: 'nodejs.eventloop.utilization',
    kind: 'observableGauge',
    unit: '1',
    description: 'Share of the time the event loop was busy since the previous collection, 0 to 1 (Node.js runtime instrumentation).',
    attributes: [],
    prometheusName: 'nodejs_eventloop_utilization',
    recordedIn: 'runtime',
    recordedBy: '@opentelemetry/instrumentation-runtime-node (started by the gateway on its meter), from perf_hooks.performance.eventLoopUtilization.',
    dashboards: [],
    alerts: [],
  },
  // ── MCP semantic conventions (fields from @secure-mcp-gateway/instrumentation-mcp/semconv) ──
  {
    key: 'mcpServerOperationDuration',
    ...mcpRow(MCP_SERVER_OPERATION_DURATION),
    prometheusName: 'mcp_server_operation_duration',
    recordedIn: 'gateway',
    recordedBy: 'Gateway MCP server side, once per request it answers (tools/call, tools/list, …).',
    dashboards: ['MCP operation latency (p95)'],
    alerts: [],
  },
  {
    key: 'mcpClientOperationDuration',
    ...mcpRow(MCP_CLIENT_OPERATION_DURATION),
    prometheusName: 'mcp_client_operation_duration',
    recordedIn: 'gateway',
    recordedBy: 'Gateway upstream MCP client, once per request it sends to an upstream server.',
    dashboards: ['MCP operation latency (p95)'],
    alerts: [],
  },
  {
    key: 'mcpServerSessionDuration',
    ...mcpRow(MCP_SERVER_SESSION_DURATION),
    prometheusName: 'mcp_server_session_duration',
    recordedIn: 'instrumentation',
    recordedBy: 'instrumentation-mcp on an instrumented MCP server, when a session (stdio connection, or Streamable HTTP session with an id) closes; error.type = connection_closed when requests were still in flight.',
    dashboards: [],
    alerts: [],
  },
  {
    key: 'mcpClientSessionDuration',
    ...mcpRow(MCP_CLIENT_SESSION_DURATION),
    prometheusName: 'mcp_client_session_duration',
    recordedIn: 'instrumentation',
    recordedBy: 'instrumentation-mcp on an instrumented MCP client (the gateway toward each upstream), when the session closes; error.type = connection_closed when requests were still in flight.',
    dashboards: [],
    alerts: [],
  },
] as const satisfies readonly MetricDefinition[];

/** Union of every row of the table (gateway- and provider-recorded), with literal types. */
export type GatewayMetricDefinition = (typeof METRIC_DEFINITIONS)[number];
/** Key of any catalog row (`toolCalls`, `activeSessions`, `telemetryDropped`, …). */
export type GatewayMetricKey = GatewayMetricDefinition['key'];
/** The rows the gateway records itself (`recordedIn: 'gateway'`), with literal types. */
export type GatewayRecordedMetricDefinition = Extract<GatewayMetricDefinition, { recordedIn: 'gateway' }>;
/** Recorder key on the object `createGatewayMetrics` returns (every key except provider-recorded ones). */
export type GatewayRecorderKey = GatewayRecordedMetricDefinition['key'];
/** OpenTelemetry instrument name (`enkrypt_tool_calls_total`, …). */
export type GatewayMetricName = GatewayMetricDefinition['name'];
/** The row for one recorder key. */
export type MetricDefinitionFor<K extends GatewayMetricKey> = Extract<GatewayMetricDefinition, { key: K }>;
/** Attribute keys one instrument allows. */
export type AllowedAttributeKey<K extends GatewayMetricKey> = MetricDefinitionFor<K>['attributes'][number];

/**
 * The rows `createGatewayMetrics` creates: every row except those a telemetry provider registers
 * itself (`enkrypt_telemetry_dropped_total`). Use this list to check "every gateway instrument is
 * recorded"; use `METRIC_DEFINITIONS` for everything that is scraped (dashboards, alerts, docs).
 */
export const GATEWAY_METRIC_DEFINITIONS: readonly GatewayRecordedMetricDefinition[] = METRIC_DEFINITIONS.filter(
  (d): d is GatewayRecordedMetricDefinition => d.recordedIn === 'gateway',
);

const BY_KEY = new Map<string, GatewayMetricDefinition>(METRIC_DEFINITIONS.map((d) => [d.key, d]));
const BY_NAME = new Map<string, GatewayMetricDefinition>(METRIC_DEFINITIONS.map((d) => [d.name, d]));
const BY_PROMETHEUS_NAME = new Map<string, GatewayMetricDefinition>(
  METRIC_DEFINITIONS.map((d) => [d.prometheusName, d]),
);

/** The catalog row for a recorder key. */
export function getMetricDefinition<K extends GatewayMetricKey>(key: K): MetricDefinitionFor<K> {
  return BY_KEY.get(key) as MetricDefinitionFor<K>;
}

/**
 * Look a row up by OpenTelemetry instrument name or by Prometheus name; histogram series
 * names (`…_bucket`, `…_sum`, `…_count`) resolve to their histogram. `undefined` when unknown.
 */
export function findMetricDefinition(name: string): GatewayMetricDefinition | undefined {
  const direct = BY_NAME.get(name) ?? BY_PROMETHEUS_NAME.get(name);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  if (m) {
    const hist = BY_PROMETHEUS_NAME.get(m[1]!);
    if (hist?.kind === 'histogram') return hist;
  }
  return undefined;
}

/** Prometheus name for a catalog instrument name (OpenTelemetry name or recorder key). */
export function prometheusNameOf(nameOrKey: GatewayMetricName | GatewayMetricKey): string;
export function prometheusNameOf(nameOrKey: string): string | undefined;
export function prometheusNameOf(nameOrKey: string): string | undefined {
  return (BY_NAME.get(nameOrKey) ?? BY_KEY.get(nameOrKey))?.prometheusName;
}

/**
 * The name `@opentelemetry/exporter-prometheus` gives an instrument: characters outside
 * `[a-zA-Z0-9_]` become `_` (runs of `_` collapse), and monotonic counters (synchronous or observable) gain `_total`
 * unless they already end with it.
 * It appends no unit suffix, so `_seconds` is never doubled.
 */
export function toPrometheusName(name: string, kind: InstrumentKind): string {
  const base = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  const monotonic = kind === 'counter' || kind === 'observableCounter';
  return monotonic && !base.endsWith('_total') ? `${base}_total` : base;
}
