import { SpanKind } from '@opentelemetry/api';
import { initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { createInMemoryProvider } from '@secure-mcp-gateway/telemetry-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SESSIONS, GATEWAY_METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { callGateway, callResults } from '../src/client-helpers';
import { parseConfig } from '../src/config';
import { Gateway, STEP_SPANS, UPSTREAM_TRACE_META_KEY } from '../src/gateway';
import { closeClient, connectClient, refusalOf, runScenario } from '../src/scenario';
import { serveHttp, type HttpGateway } from '../src/transports';
import { APP_DIR, KEY, testConfig, waitUntil } from './helpers';

// One gateway in this process, on core's in-memory provider, served over Streamable HTTP
// on 127.0.0.1:0 and driven by the real MCP SDK client.
const mem = createInMemoryProvider();
let gateway: Gateway;
let http: HttpGateway;
const BUDGET = 2.5;

beforeAll(async () => {
  const raw = testConfig();
  raw.mcp_configs[Object.keys(raw.mcp_configs)[0]!].mcp_config[0].tool_timeout = BUDGET;
  await initTelemetry({ config: raw, provider: mem.provider, installShutdownHooks: false });
  gateway = new Gateway({ config: parseConfig(raw, { dir: APP_DIR }) });
  http = await serveHttp(gateway);
});

afterAll(async () => {
  await http?.close();
  await gateway?.close();
  await shutdownTelemetry({ timeoutMs: 2000 });
});

const count = (name: string, attrs?: Record<string, string>) => mem.counterValue(name, attrs);
const hist = (name: string, attrs?: Record<string, string>) => mem.histogramValues(name, attrs).length;
const S = { server: 'demo_server' };

describe('the scripted scenario over Streamable HTTP', () => {
  it('records the expected value of every instrument the gateway records', async () => {
    mem.reset();
    let during: { sessions?: number; users?: number } = {};
    const steps = await runScenario({
      url: http.url,
      key: KEY,
      server: 'demo_server',
      budgetSeconds: BUDGET,
      waitForFailLevel: () => waitUntil(() => count('enkrypt_timeout_escalation_fail') >= 1),
      beforeClose: () => {
        during = { sessions: mem.gaugeValue('enkrypt_active_sessions', { transport: 'http' }), users: mem.gaugeValue('enkrypt_active_users') };
      },
    });
    expect(steps.map((s) => s.outcome)).toEqual([
      'ok', 'ok', 'success', 'success', 'blocked', 'success', 'blocked', 'failure', 'success', 'timeout', 'success', 'cancelled', 'refused', 'ok', 'ok',
    ]);
    // The bad key never got a session: initialize was refused with 401.
    expect(steps.find((s) => s.label === 'bad gateway key')!.detail).toMatch(/HTTP 401: Unauthorized: the gateway key .* is not recognised/);

    // tool calls: 10 forwarded calls (answer ×4, slow ×3, lookup_customer, get_weather, fail),
    // partitioned into success 5 / failure 3 (tool error, timeout, client cancel) / blocked 2
    expect(count('enkrypt_tool_calls_total')).toBe(10);
    expect(count('enkrypt_tool_calls_total', { ...S, tool: 'answer' })).toBe(4);
    expect(count('enkrypt_tool_calls_total', { ...S, tool: 'slow' })).toBe(3);
    expect(count('enkrypt_tool_call_success_total')).toBe(5);
    expect(count('enkrypt_tool_call_failure_total')).toBe(3);
    expect(count('enkrypt_tool_call_failure_total', { ...S, tool: 'fail', error_type: 'tool_error' })).toBe(1);
    expect(count('enkrypt_tool_call_failure_total', { ...S, tool: 'slow', error_type: 'timeout' })).toBe(1);
    expect(count('enkrypt_tool_call_failure_total', { ...S, tool: 'slow', error_type: 'cancelled' })).toBe(1);
    // errors ⊂ failures: the timeout and the cancel broke while forwarding; the tool error did not
    expect(count('enkrypt_tool_call_errors_total')).toBe(2);
    expect(count('enkrypt_tool_call_errors_total', { ...S, tool: 'slow', error_type: 'timeout' })).toBe(1);
    expect(count('enkrypt_tool_call_errors_total', { ...S, tool: 'slow', error_type: 'cancelled' })).toBe(1);
    expect(count('enkrypt_tool_call_blocked_total')).toBe(2);
    expect(count('enkrypt_tool_call_blocked_total', { ...S, tool: 'answer', direction: 'input', violation_type: 'injection_attack' })).toBe(1);
    expect(count('enkrypt_tool_call_blocked_total', { ...S, tool: 'get_weather', direction: 'output', violation_type: 'relevancy' })).toBe(1);
    expect(hist('enkrypt_tool_call_duration_seconds')).toBe(10);
    expect(hist('enkrypt_tool_call_duration_seconds', { outcome: 'success' })).toBe(5);
    expect(hist('enkrypt_tool_call_duration_seconds', { outcome: 'blocked' })).toBe(2);
    expect(hist('enkrypt_tool_call_duration_seconds', { outcome: 'failure' })).toBe(1);
    expect(hist('enkrypt_tool_call_duration_seconds', { outcome: 'timeout' })).toBe(1);
    expect(hist('enkrypt_tool_call_duration_seconds', { outcome: 'error' })).toBe(1);

    // discovery and caches
    expect(count('enkrypt_list_all_servers_calls')).toBe(1);
    expect(count('enkrypt_servers_discovered')).toBe(4);
    expect(count('enkrypt_cache_misses_total', { cache: 'tools', server: 'demo_server' })).toBe(1);
    expect(count('enkrypt_cache_hits_total', { cache: 'tools', server: 'demo_server' })).toBe(10);
    expect(count('enkrypt_cache_misses_total', { cache: 'servers' })).toBe(1);
    expect(count('enkrypt_cache_hits_total', { cache: 'servers' })).toBe(11);

    // guardrails
    expect(count('enkrypt_guardrail_violations_total')).toBe(6);
    expect(count('enkrypt_guardrail_violations_total', { ...S, direction: 'input', violation_type: 'pii' })).toBe(1);
    expect(count('enkrypt_input_guardrail_violations_total')).toBe(2);
    expect(count('enkrypt_input_guardrail_violations_total', { ...S, violation_type: 'injection_attack' })).toBe(1);
    expect(count('enkrypt_output_guardrail_violations_total')).toBe(4);
    expect(count('enkrypt_relevancy_violations_total', S)).toBe(1);
    expect(count('enkrypt_adherence_violations_total', S)).toBe(1);
    expect(count('enkrypt_hallucination_violations_total', S)).toBe(1);
    expect(count('enkrypt_pii_redactions_total', { ...S, direction: 'input', pii_type: 'email' })).toBe(1);
    expect(count('enkrypt_pii_redactions_total', { ...S, direction: 'output' })).toBe(3);
    expect(count('enkrypt_api_requests_total', { endpoint: 'guardrails/input', outcome: 'success' })).toBe(10);
    expect(count('enkrypt_api_requests_total', { endpoint: 'guardrails/output', outcome: 'success' })).toBe(6);
    expect(hist('enkrypt_api_request_duration_seconds')).toBe(16);

    // auth and live load: the gauges rose while the session was open and fell after
    // success per authenticated call (14 tools/call); the bad key failed once, at initialize
    expect(count('enkrypt_auth_success_total', { transport: 'http' })).toBe(14);
    expect(count('enkrypt_auth_failure_total', { transport: 'http', reason: 'invalid_key' })).toBe(1);
    expect(during).toEqual({ sessions: 1, users: 1 });
    await waitUntil(() => mem.gaugeValue('enkrypt_active_sessions', { transport: 'http' }) === 0);
    expect(mem.gaugeValue('enkrypt_active_users')).toBe(0);

    // timeouts
    // 9 upstream calls (10 tool calls less the blocked input): 7 answered in time (the tool error
    // included), 1 hung past its budget (timed out only, though it was aborted at the fail
    // level), 1 cancelled by the client.
    expect(count('enkrypt_timeout_operations_total', { operation: 'tool_call' })).toBe(9);
    expect(count('enkrypt_timeout_operations_total', { operation: 'guardrail' })).toBe(16);
    expect(count('enkrypt_timeout_operations_total', { operation: 'discovery' })).toBe(1);
    expect(count('enkrypt_timeout_operations_successful', { operation: 'tool_call' })).toBe(7);
    expect(count('enkrypt_timeout_operations_timed_out', { operation: 'tool_call' })).toBe(1);
    expect(count('enkrypt_timeout_operations_cancelled', { operation: 'tool_call' })).toBe(1);
    expect(count('enkrypt_timeout_escalation_warn', { operation: 'tool_call' })).toBe(2);
    expect(count('enkrypt_timeout_escalation_timeout', { operation: 'tool_call' })).toBe(1);
    expect(count('enkrypt_timeout_escalation_fail', { operation: 'tool_call' })).toBe(1);
    expect(hist('enkrypt_timeout_operation_duration_seconds')).toBe(26);
    expect(hist('enkrypt_timeout_operation_duration_seconds', { operation: 'tool_call', outcome: 'timeout' })).toBe(1);
    expect(count('enkrypt_timeout_active_operations')).toBe(0);
    expect(mem.measurements.filter((m) => m.name === 'enkrypt_timeout_active_operations' && m.value === 1)).toHaveLength(26);

    // MCP semconv histograms
    expect(hist('mcp.server.operation.duration', { 'mcp.method.name': 'tools/call', 'network.transport': 'tcp' })).toBe(14);
    expect(hist('mcp.server.operation.duration', { 'error.type': 'cancelled' })).toBe(1);
    expect(hist('mcp.server.operation.duration', { 'error.type': 'unauthorized' })).toBe(0); // refused before any call
    expect(hist('mcp.client.operation.duration', { 'mcp.method.name': 'tools/call', 'network.transport': 'pipe' })).toBe(9);
    expect(hist('mcp.client.operation.duration', { 'gen_ai.tool.name': 'slow', 'error.type': 'timeout' })).toBe(1);
    expect(hist('mcp.client.operation.duration', { 'gen_ai.tool.name': 'slow', 'error.type': 'cancelled' })).toBe(1);

    // trace context past the W3C limits (the cache-status step's 40 tracestate members) is cut and counted
    expect(count('enkrypt_trace_context_dropped_total', { field: 'tracestate' })).toBe(8);

    // and nothing the gateway records was left unrecorded (provider-owned rows are the provider's)
    mem.collect();
    expect(GATEWAY_METRIC_DEFINITIONS.length).toBeGreaterThan(30);
    expect(GATEWAY_METRIC_DEFINITIONS.map((d) => d.name)).not.toContain('enkrypt_telemetry_dropped_total');
    const unrecorded = GATEWAY_METRIC_DEFINITIONS.filter((d) => !mem.measurements.some((m) => m.name === d.name)).map((d) => d.name);
    expect(unrecorded).toEqual([]);
  });
});

describe('traces', () => {
  it('builds the MCP span tree and carries one trace id from the client through the gateway to the upstream server', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const call = await callGateway(client, 'enkrypt_secure_call_tools', {
      server_name: 'demo_server',
      tool_calls: [{ name: 'lookup_customer', args: { customer_id: '7' } }],
    });
    await closeClient(client);
    expect(call.result?.isError).toBeFalsy();

    const spans = mem.spans.filter((s) => s.traceId === call.traceId);
    const server = spans.find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.name).toBe('tools/call enkrypt_secure_call_tools');
    expect(server.parentSpanId).toBe(call.clientSpanId);
    expect(server.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'enkrypt_secure_call_tools',
      'gen_ai.operation.name': 'execute_tool',
      'network.transport': 'tcp',
      'jsonrpc.request.id': expect.any(String),
      'mcp.session.id': expect.any(String),
    });
    expect(server.attributes['error.type']).toBeUndefined();

    const children = spans.filter((s) => s.parentSpanId === server.spanId).map((s) => s.name);
    expect(children).toEqual([
      STEP_SPANS.auth,
      STEP_SPANS.cacheLookup,
      STEP_SPANS.cacheLookup,
      STEP_SPANS.inputGuardrails,
      STEP_SPANS.upstreamCall,
      STEP_SPANS.outputGuardrails,
      STEP_SPANS.redaction,
    ]);
    const upstreamStep = spans.find((s) => s.name === STEP_SPANS.upstreamCall)!;
    const client_ = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    expect(client_.name).toBe('tools/call lookup_customer');
    expect(client_.parentSpanId).toBe(upstreamStep.spanId);
    expect(client_.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'lookup_customer', 'network.transport': 'pipe' });
    expect(client_.attributes['gen_ai.tool.call.arguments']).toBeUndefined(); // payloads are not captured by default

    // The upstream server continued the same trace, as a child of the gateway's CLIENT span.
    const seen = callResults(call)[0]!.upstream_meta as Record<string, { trace_id: string; parent_span_id: string; received_traceparent: string }>;
    expect(seen[UPSTREAM_TRACE_META_KEY]!.trace_id).toBe(call.traceId);
    expect(seen[UPSTREAM_TRACE_META_KEY]!.parent_span_id).toBe(client_.spanId);
    expect(seen[UPSTREAM_TRACE_META_KEY]!.received_traceparent).toBe(`00-${call.traceId}-${client_.spanId}-01`);

    // Logs carry server, tool, outcome and the trace; never the key or the tool's payload.
    const log = mem.logs.find((r) => r.event === 'tool_call' && r.traceId === call.traceId)!;
    expect(log.fields).toMatchObject({ server: 'demo_server', tool: 'lookup_customer', outcome: 'success' });
    const everything = JSON.stringify([mem.jsonLogs(), mem.spans]);
    expect(everything).not.toContain(KEY);
    expect(everything).not.toContain('jane.doe@example.com');
    expect(everything).not.toContain('123-45-6789');
  });

  it('with capture_payloads, arguments and results appear on the CLIENT span, redacted', async () => {
    const capturing = new Gateway({ config: parseConfig(testConfig(), { dir: APP_DIR }), capturePayloads: true });
    const served = await serveHttp(capturing);
    try {
      mem.reset();
      const client = await connectClient(served.url, KEY);
      const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'lookup_customer', args: { customer_id: 'c-1' } }] });
      await closeClient(client);
      const span = mem.spans.find((s) => s.traceId === call.traceId && s.kind === SpanKind.CLIENT)!;
      expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"customer_id":"c-1"}');
      expect(span.attributes['gen_ai.tool.call.result']).toContain('[REDACTED_EMAIL]');
      expect(span.attributes['gen_ai.tool.call.result']).not.toContain('jane.doe@example.com');
    } finally {
      await served.close();
      await capturing.close();
    }
  });

  it('marks failed steps with error.type on the SERVER span', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'fail', args: {} }] });
    await closeClient(client);
    const server = mem.spans.find((s) => s.traceId === call.traceId && s.kind === SpanKind.SERVER)!;
    expect(server.attributes['error.type']).toBe('tool_error');
    const client_ = mem.spans.find((s) => s.traceId === call.traceId && s.kind === SpanKind.CLIENT)!;
    expect(client_.attributes['error.type']).toBe('tool_error');
  });
});

describe('live sessions', () => {
  it('an HTTP session whose client vanished without DELETE expires after session_idle_timeout_seconds', async () => {
    const raw = testConfig();
    raw.common_mcp_gateway_config.session_idle_timeout_seconds = 0.3;
    const idle = new Gateway({ config: parseConfig(raw, { dir: APP_DIR }) });
    const short = await serveHttp(idle);
    try {
      const client = await connectClient(short.url, KEY);
      await callGateway(client, 'enkrypt_get_cache_status');
      expect(idle.liveCounts()).toMatchObject({ sessions: { http: 1 }, users: 1 });
      await waitUntil(() => idle.liveCounts().sessions.http === 0);
      expect(idle.liveCounts().users).toBe(0);
      await client.close();
    } finally {
      await short.close();
      await idle.close();
    }
  });
});

describe('the other gateway tools', () => {
  it('server info, discovery across servers (with the broken ones reported), cache status and clearing', async () => {
    const client = await connectClient(http.url, KEY);
    const info = await callGateway(client, 'enkrypt_get_server_info', { server_name: 'demo_server' });
    expect(info.body).toMatchObject({ server_name: 'demo_server', command: 'node', env: ['DEMO_UPSTREAM_LOG_LEVEL'], timeout_seconds: BUDGET });
    expect(JSON.stringify(info.body)).not.toContain('WARNING'); // env values never leave the gateway

    const all = await callGateway(client, 'enkrypt_discover_all_tools', {});
    expect(all.body?.status).toBe('partial');
    const byName = Object.fromEntries((all.body!.servers as { server_name: string; error_type?: string; tools?: unknown[] }[]).map((s) => [s.server_name, s]));
    expect(byName.demo_server!.tools).toHaveLength(8);
    expect(byName.ghost_server!.error_type).toBe('upstream_unavailable');

    const cleared = await callGateway(client, 'enkrypt_clear_cache', { cache_type: 'tools', server_name: 'demo_server' });
    expect(cleared.body).toMatchObject({ status: 'success', cleared_entries: 1 });
    const status = await callGateway(client, 'enkrypt_get_cache_status', {});
    const toolsCache = status.body!.tools as { entries: { key: string }[] };
    expect(toolsCache.entries.map((e) => e.key)).not.toContain('demo_server');
    expect(toolsCache.entries.map((e) => e.key)).toContain('tight_server');
    await closeClient(client);
  });
});

describe('faults: a clear MCP error, the right counters, and the gateway keeps serving', () => {
  async function stillServes(): Promise<void> {
    const client = await connectClient(http.url, KEY);
    const ok = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'answer', args: { question: 'still there?' } }] });
    await closeClient(client);
    expect(callResults(ok)[0]?.status).toBe('success');
  }

  it('bad or missing gateway key: initialize is refused with 401 and no session is opened', async () => {
    mem.reset();
    const before = gateway.liveCounts().sessions.http;
    for (const [key, reason, pattern] of [
      ['wrong-key', 'invalid_key', /^Unauthorized: the gateway key in the "apikey" header .* is not recognised$/],
      [undefined, 'missing_key', /^Unauthorized: no gateway key; set the "apikey" header/],
    ] as const) {
      const refused = await connectClient(http.url, key).then(() => undefined, refusalOf);
      expect(refused?.status).toBe(401);
      expect(refused?.message).toMatch(pattern);
      expect(count('enkrypt_auth_failure_total', { transport: 'http', reason })).toBe(1);
      expect(gateway.liveCounts().sessions.http).toBe(before);
    }
    expect(count('enkrypt_list_all_servers_calls')).toBe(0);
    expect(mem.spans.filter((s) => s.kind === SpanKind.SERVER)).toEqual([]); // nothing reached a handler
    await stillServes();
  });

  it('the key is checked on every request before the SDK sees it, and an unknown tool name never becomes a label or span name', async () => {
    mem.reset();
    // Raw Streamable HTTP: initialize with the key, then requests without it on the same session.
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const post = (body: unknown, extra: Record<string, string> = {}) => fetch(http.url, { method: 'POST', headers: { ...headers, ...extra }, body: JSON.stringify(body) });
    const init = await post(
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } },
      { apikey: KEY },
    );
    expect(init.status).toBe(200);
    await init.text();
    const sid = init.headers.get('mcp-session-id')!;
    const session = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' };
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, { ...session, apikey: KEY })).text();
    const noKey = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'enkrypt_list_all_servers', arguments: {} } }, session);
    expect(noKey.status).toBe(401);
    expect(await noKey.text()).toMatch(/Unauthorized: no gateway key/);
    const junk = 'attacker-chosen-name-8f3a';
    const unknown = await post({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: junk, arguments: {} } }, session);
    expect(unknown.status).toBe(401);
    expect(await unknown.text()).toMatch(/Unauthorized/);
    const known = await (await post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: junk, arguments: {} } }, { ...session, apikey: KEY })).text();
    expect(known).toContain('Unknown tool');
    expect(known).toContain(junk); // the client may see its own input; telemetry may not
    const deleteNoKey = await fetch(http.url, { method: 'DELETE', headers: session });
    expect(deleteNoKey.status).toBe(401); // nobody ends a session without a key
    await fetch(http.url, { method: 'DELETE', headers: { ...session, apikey: KEY } });

    expect(count('enkrypt_auth_failure_total', { transport: 'http', reason: 'missing_key' })).toBe(3);
    // Refused before the MCP SDK: no handler ran for them.
    expect(hist('mcp.server.operation.duration', { 'error.type': 'unauthorized' })).toBe(0);
    expect(hist('mcp.server.operation.duration', { 'gen_ai.tool.name': '_OTHER', 'error.type': 'unknown_tool' })).toBe(1);
    const servers = mem.spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(servers.map((s) => s.name).sort()).toEqual(['tools/call']);
    mem.collect();
    expect(JSON.stringify([mem.measurements, mem.spans, mem.jsonLogs()])).not.toContain(junk);
  });

  it('max_sessions caps open sessions: initialize beyond it gets 503 with a clear error', async () => {
    expect(parseConfig(testConfig(), { dir: APP_DIR }).gateway.common_mcp_gateway_config.max_sessions).toBe(DEFAULT_MAX_SESSIONS);
    const raw = testConfig();
    raw.common_mcp_gateway_config.max_sessions = 2;
    const capped = new Gateway({ config: parseConfig(raw, { dir: APP_DIR }) });
    const served = await serveHttp(capped);
    try {
      const a = await connectClient(served.url, KEY);
      const b = await connectClient(served.url, KEY);
      const refused = await connectClient(served.url, KEY).then(() => undefined, refusalOf);
      expect(refused?.status).toBe(503);
      expect(refused?.message).toMatch(/Too many sessions: the gateway already has 2 open \(common_mcp_gateway_config\.max_sessions\)/);
      expect(capped.liveCounts().sessions.http).toBe(2);
      await closeClient(a);
      await waitUntil(() => capped.liveCounts().sessions.http === 1);
      const c = await connectClient(served.url, KEY); // room again
      expect((await callGateway(c, 'enkrypt_get_cache_status')).error).toBeUndefined();
      await closeClient(b);
      await closeClient(c);
    } finally {
      await served.close();
      await capped.close();
    }
  });

  it('unknown server, unknown gateway tool and arguments failing the gateway tool schema', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const unknownServer = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'nope', tool_calls: [{ name: 'answer', args: {} }] });
    expect(unknownServer.error?.code).toBe(-32602);
    expect(unknownServer.error?.message).toContain('Unknown server "nope"');
    expect(unknownServer.error?.message).toContain('demo_server');
    expect(count('enkrypt_tool_call_failure_total', { server: 'unknown', tool: 'unknown', error_type: 'unknown_server' })).toBe(1);

    const unknownGatewayTool = await callGateway(client, 'enkrypt_do_everything', {});
    expect(unknownGatewayTool.error?.message).toContain('Unknown tool "enkrypt_do_everything"');

    const badArgs = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ args: {} }] });
    expect(badArgs.error?.code).toBe(-32602);
    expect(badArgs.error?.message).toMatch(/Invalid arguments for enkrypt_secure_call_tools: tool_calls\.0\.name/);
    expect(hist('mcp.server.operation.duration', { 'error.type': 'invalid_arguments' })).toBe(1);
    await closeClient(client);
    await stillServes();
  });

  it('unknown upstream tool and arguments failing the upstream tool schema', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const call = await callGateway(client, 'enkrypt_secure_call_tools', {
      server_name: 'demo_server',
      tool_calls: [{ name: 'teleport', args: {} }, { name: 'answer', args: { question: 42 } }],
    });
    await closeClient(client);
    expect(call.result?.isError).toBe(true);
    const [unknown, invalid] = callResults(call);
    expect(unknown).toMatchObject({ status: 'error', error_type: 'unknown_tool' });
    expect(String(unknown!.message)).toMatch(/Unknown tool "teleport" on server "demo_server"\. Available: .*answer/);
    expect(invalid).toMatchObject({ status: 'error', error_type: 'invalid_arguments' });
    expect(String(invalid!.message)).toMatch(/question/);
    expect(count('enkrypt_tool_call_failure_total', { ...S, tool: 'unknown', error_type: 'unknown_tool' })).toBe(1);
    expect(count('enkrypt_tool_call_failure_total', { ...S, tool: 'answer', error_type: 'invalid_arguments' })).toBe(1);
    expect(count('enkrypt_tool_call_errors_total')).toBe(0);
    expect(count('enkrypt_timeout_operations_total', { operation: 'tool_call' })).toBe(0); // never forwarded
    await stillServes();
  });

  it('an upstream that crashes mid-call is restarted on the next call', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'crash', args: {} }] });
    await closeClient(client);
    expect(callResults(call)[0]).toMatchObject({ status: 'error', error_type: 'upstream_crashed' });
    expect(String(callResults(call)[0]!.message)).toContain('will be restarted');
    expect(count('enkrypt_tool_call_errors_total', { ...S, tool: 'crash', error_type: 'upstream_crashed' })).toBe(1);
    expect(count('enkrypt_tool_call_failure_total', { ...S, tool: 'crash', error_type: 'upstream_crashed' })).toBe(1);
    await stillServes();
  });

  it('an upstream that never starts', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const ghost = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'ghost_server', tool_calls: [{ name: 'answer', args: { question: 'x' } }] });
    const dying = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'dying_server', tool_calls: [{ name: 'answer', args: { question: 'x' } }] });
    await closeClient(client);
    expect(callResults(ghost)[0]).toMatchObject({ status: 'error', error_type: 'upstream_unavailable' });
    expect(String(callResults(ghost)[0]!.message)).toContain('command "definitely-not-a-command-4821" not found');
    expect(callResults(dying)[0]).toMatchObject({ status: 'error', error_type: 'upstream_unavailable' });
    expect(String(callResults(dying)[0]!.message)).toMatch(/Upstream server "dying_server" could not be started: .*\(last stderr line: boom: missing DATABASE_URL\)/);
    expect(count('enkrypt_tool_call_errors_total', { server: 'ghost_server', error_type: 'upstream_unavailable' })).toBe(1);
    expect(count('enkrypt_tool_call_errors_total', { server: 'dying_server', error_type: 'upstream_unavailable' })).toBe(1);
    expect(count('enkrypt_cache_misses_total', { cache: 'tools', server: 'ghost_server' })).toBe(1);
    await stillServes();
  });

  it('an upstream that hangs past its budget: timeout at 1.0, aborted and recycled at the fail level 1.2', async () => {
    mem.reset();
    const client = await connectClient(http.url, KEY);
    const pidOf = (c: Awaited<ReturnType<typeof callGateway>>) =>
      (callResults(c)[0]!.upstream_meta as Record<string, { pid: number }>)['io.secure-mcp-gateway/demo-upstream']!.pid;
    const before = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'tight_server', tool_calls: [{ name: 'answer', args: { question: 'x' } }] });
    const wedgedPid = pidOf(before);
    const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'tight_server', tool_calls: [{ name: 'slow', args: { seconds: 30 } }] });
    await closeClient(client);
    expect(callResults(call)[0]).toMatchObject({ status: 'timeout', error_type: 'timeout' });
    expect(String(callResults(call)[0]!.message)).toContain('exceeded its 500 ms timeout budget');
    expect(count('enkrypt_timeout_operations_timed_out', { operation: 'tool_call' })).toBe(1);
    expect(count('enkrypt_tool_call_errors_total', { server: 'tight_server', tool: 'slow', error_type: 'timeout' })).toBe(1);
    await waitUntil(() => count('enkrypt_timeout_escalation_fail', { operation: 'tool_call' }) === 1);
    // aborted at the fail level, but it timed out: not also counted as cancelled
    expect(count('enkrypt_timeout_operations_cancelled', { operation: 'tool_call' })).toBe(0);
    expect(count('enkrypt_timeout_operations_timed_out', { operation: 'tool_call' })).toBe(1);
    expect(count('enkrypt_timeout_active_operations', { operation: 'tool_call' })).toBe(0);

    // The wedged upstream process was stopped; the next call runs on a fresh one.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await waitUntil(() => !alive(wedgedPid), 10_000); // stdin closed; it exits after flushing telemetry
    const client2 = await connectClient(http.url, KEY);
    // The fresh process starts under discovery_timeout, not under tight_server's 0.5 s call budget.
    const after = await callGateway(client2, 'enkrypt_secure_call_tools', { server_name: 'tight_server', tool_calls: [{ name: 'answer', args: { question: 'y' } }] });
    await closeClient(client2);
    expect(callResults(after)[0], JSON.stringify(callResults(after)[0])).toMatchObject({ status: 'success' });
    expect(pidOf(after)).not.toBe(wedgedPid);
    await stillServes();
  });

  it('an upstream error is redacted like any output before it reaches the client', async () => {
    // Input redaction off, so the email reaches the upstream and comes back in its error.
    const raw = testConfig();
    raw.mcp_configs[Object.keys(raw.mcp_configs)[0]!].mcp_config[0].input_guardrails_policy.additional_config.pii_redaction = false;
    const leaky = new Gateway({ config: parseConfig(raw, { dir: APP_DIR }) });
    const served = await serveHttp(leaky);
    try {
      mem.reset();
      const client = await connectClient(served.url, KEY);
      const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'fail', args: { reason: 'no account for mary.major@example.org' } }] });
      await closeClient(client);
      const result = callResults(call)[0]!;
      expect(result).toMatchObject({ status: 'failure', error_type: 'tool_error' });
      expect(String(result.message)).toContain('fail tool failed: no account for [REDACTED_EMAIL]');
      expect(JSON.stringify(call.result)).not.toContain('mary.major@example.org');
      expect(count('enkrypt_pii_redactions_total', { ...S, direction: 'output', pii_type: 'email' })).toBe(1);
      expect(mem.spans.filter((s) => s.traceId === call.traceId).map((s) => s.name)).toContain(STEP_SPANS.redaction);
    } finally {
      await served.close();
      await leaky.close();
    }
  });
});
