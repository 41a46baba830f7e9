import { describe, expectTypeOf, it } from 'vitest';
import type { Meter } from '@opentelemetry/api';
import { createGatewayMetrics, type GATEWAY_METRIC_DEFINITIONS } from '../src/index.ts';
import type { AllowedAttributeKey, GatewayMetricKey, GatewayMetrics, GatewayRecorderKey, MetricAttributes } from '../src/index.ts';

declare const meter: Meter;
const metrics = createGatewayMetrics(meter);

describe('attribute allow-lists at compile time', () => {
  it('accepts allow-listed keys', () => {
    metrics.toolCalls.add(1, { server: 's', tool: 't' });
    metrics.toolCallDuration.record(0.1, { server: 's', tool: 't', outcome: 'success' });
    metrics.toolCallBlocked.add(1, { server: 's', tool: 't', direction: 'input', violation_type: 'pii' });
    metrics.listServersCalls.add(1);
    metrics.listServersCalls.add(1, {});
    metrics.timeoutActiveOperations.add(-1, { operation: 'tool_call' });
    metrics.mcpServerOperationDuration.record(0.2, { 'mcp.method.name': 'tools/call', 'network.transport': 'pipe' });
    const stop = metrics.activeSessions.addCallback((observe) => observe(3, { transport: 'http' }));
    expectTypeOf(stop).toEqualTypeOf<() => void>();
  });

  it('rejects keys outside the allow-list', () => {
    // @ts-expect-error user ids never go on a metric
    metrics.toolCalls.add(1, { server: 's', tool: 't', user_id: 'u' });
    // @ts-expect-error outcome is not allowed on the counter
    metrics.toolCalls.add(1, { outcome: 'success' });
    // @ts-expect-error the discovery counter carries no attributes
    metrics.listServersCalls.add(1, { server: 's' });
    // @ts-expect-error session ids never go on a metric
    metrics.activeSessions.addCallback((observe) => observe(1, { session_id: 'abc' }));
    // @ts-expect-error the gauge carries no attributes
    metrics.activeUsers.addCallback((observe) => observe(1, { transport: 'http' }));
    // @ts-expect-error histograms record, counters add
    metrics.toolCallDuration.add(1);
    // @ts-expect-error gauges are observable only
    metrics.activeSessions.add(1);
    // @ts-expect-error the provider records telemetry drops; the gateway has no recorder for them
    void metrics.telemetryDropped;
    // @ts-expect-error no such recorder
    metrics.notAMetric.add(1);
  });

  it('derives each allow-list from the table (the RULES.md interface)', () => {
    expectTypeOf<AllowedAttributeKey<'toolCalls'>>().toEqualTypeOf<'server' | 'tool'>();
    expectTypeOf<AllowedAttributeKey<'toolCallDuration'>>().toEqualTypeOf<'server' | 'tool' | 'outcome'>();
    expectTypeOf<AllowedAttributeKey<'toolCallFailure'>>().toEqualTypeOf<'server' | 'tool' | 'error_type'>();
    expectTypeOf<AllowedAttributeKey<'toolCallErrors'>>().toEqualTypeOf<'server' | 'tool' | 'error_type'>();
    expectTypeOf<AllowedAttributeKey<'toolCallBlocked'>>().toEqualTypeOf<'server' | 'tool' | 'direction' | 'violation_type'>();
    expectTypeOf<AllowedAttributeKey<'listServersCalls'>>().toEqualTypeOf<never>();
    expectTypeOf<AllowedAttributeKey<'serversDiscovered'>>().toEqualTypeOf<never>();
    expectTypeOf<AllowedAttributeKey<'cacheHits'>>().toEqualTypeOf<'cache' | 'server'>();
    expectTypeOf<AllowedAttributeKey<'guardrailViolations'>>().toEqualTypeOf<'server' | 'direction' | 'violation_type'>();
    expectTypeOf<AllowedAttributeKey<'inputGuardrailViolations'>>().toEqualTypeOf<'server' | 'violation_type'>();
    expectTypeOf<AllowedAttributeKey<'relevancyViolations'>>().toEqualTypeOf<'server'>();
    expectTypeOf<AllowedAttributeKey<'piiRedactions'>>().toEqualTypeOf<'server' | 'direction' | 'pii_type'>();
    expectTypeOf<AllowedAttributeKey<'apiRequestDuration'>>().toEqualTypeOf<'endpoint' | 'outcome'>();
    expectTypeOf<AllowedAttributeKey<'authFailure'>>().toEqualTypeOf<'transport' | 'reason'>();
    expectTypeOf<AllowedAttributeKey<'activeSessions'>>().toEqualTypeOf<'transport'>();
    expectTypeOf<AllowedAttributeKey<'activeUsers'>>().toEqualTypeOf<never>();
    expectTypeOf<AllowedAttributeKey<'telemetryDropped'>>().toEqualTypeOf<'signal' | 'reason'>();
    expectTypeOf<AllowedAttributeKey<'timeoutOperationDuration'>>().toEqualTypeOf<'operation' | 'outcome'>();
    // The conventions' attribute keys, from instrumentation-mcp's semconv table.
    expectTypeOf<AllowedAttributeKey<'mcpClientOperationDuration'>>().toEqualTypeOf<
      | 'mcp.method.name' | 'error.type' | 'gen_ai.tool.name' | 'gen_ai.prompt.name' | 'rpc.response.status_code'
      | 'gen_ai.operation.name' | 'mcp.protocol.version' | 'jsonrpc.protocol.version'
      | 'network.transport' | 'network.protocol.name' | 'network.protocol.version' | 'server.address' | 'server.port'
    >();
    expectTypeOf<MetricAttributes<'toolCalls'>>().toEqualTypeOf<{
      readonly server?: string | number | boolean;
      readonly tool?: string | number | boolean;
    }>();
  });

  it('has exactly the recorder keys RULES.md lists, plus the provider self-monitoring counter', () => {
    expectTypeOf<GatewayMetricKey>().toEqualTypeOf<
      | 'toolCalls' | 'toolCallDuration' | 'toolCallSuccess' | 'toolCallFailure' | 'toolCallErrors' | 'toolCallBlocked'
      | 'listServersCalls' | 'serversDiscovered' | 'cacheHits' | 'cacheMisses'
      | 'guardrailViolations' | 'inputGuardrailViolations' | 'outputGuardrailViolations'
      | 'relevancyViolations' | 'adherenceViolations' | 'hallucinationViolations' | 'piiRedactions'
      | 'apiRequests' | 'apiRequestDuration' | 'authSuccess' | 'authFailure' | 'activeSessions' | 'activeUsers'
      | 'timeoutOperations' | 'timeoutOperationsSuccessful' | 'timeoutOperationsTimedOut' | 'timeoutOperationsCancelled'
      | 'timeoutEscalationWarn' | 'timeoutEscalationTimeout' | 'timeoutEscalationFail'
      | 'timeoutOperationDuration' | 'timeoutActiveOperations'
      | 'telemetryDropped' | 'traceContextDropped'
      | 'eventLoopDelayMax' | 'eventLoopDelayP99' | 'eventLoopUtilization'
      | 'mcpServerOperationDuration' | 'mcpClientOperationDuration'
      | 'mcpServerSessionDuration' | 'mcpClientSessionDuration'
    >();
  });

  it('gives createGatewayMetrics only the gateway-recorded keys (the provider records telemetryDropped, instrumentation-mcp the session durations, the runtime instrumentation the nodejs.* gauges)', () => {
    expectTypeOf<GatewayRecorderKey>().toEqualTypeOf<Exclude<GatewayMetricKey, 'telemetryDropped' | 'mcpServerSessionDuration' | 'mcpClientSessionDuration' | 'eventLoopDelayMax' | 'eventLoopDelayP99' | 'eventLoopUtilization'>>();
    expectTypeOf<keyof GatewayMetrics>().toEqualTypeOf<GatewayRecorderKey>();
    expectTypeOf<(typeof GATEWAY_METRIC_DEFINITIONS)[number]['recordedIn']>().toEqualTypeOf<'gateway'>();
    expectTypeOf<(typeof GATEWAY_METRIC_DEFINITIONS)[number]['key']>().toEqualTypeOf<GatewayRecorderKey>();
  });
});
