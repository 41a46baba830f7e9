// Pins every name, kind, status rule, metric name, unit and bucket list this package implements
// against a table written from the conventions, so an upstream rename fails here first.
//
// Sources (open-telemetry/semantic-conventions-genai, "Development" stability):
//   model/mcp/registry.yaml  @ 4172e394d28f2d26ec4a4514a45f153580c68670  mcp.* attributes, mcp.method.name members
//   model/mcp/spans.yaml     @ 9cebdaa9e67c4b34ae9683105494974539eb10d5  span types mcp.client / mcp.server: kind, name, status
//   model/mcp/metrics.yaml   @ 14567fad6858f82588325657c4bb262fafc885bd  the four histograms, unit, attribute groups
//   model/mcp/common.yaml    @ 997a19cc9be3bcd54fe4f45213df8c274f4776f0  common, network and address attribute groups, tool_error
//   docs/gen-ai/mcp.md       @ 1e01e830ef3c17b939ab7db8d25c7061e4239c0b  bucket advice, session metric tables, `_meta` propagation,
//                                                                       "Recording MCP transport" (pipe / tcp + http)
// The receiver-side caller errors that are not span errors (-32700, -32600, -32601, -32602, -32002) are
// the project's reading of the conventions in shared/semconv-mcp.md ("Spans" section).
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, McpError, SubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import * as semconv from '../src/semconv';
import { installGlobals, memoryPair, memoryTelemetry } from './helpers/memory';

const CONVENTIONS = {
  attributes: {
    // registry.yaml
    ATTR_MCP_METHOD_NAME: 'mcp.method.name',
    ATTR_MCP_SESSION_ID: 'mcp.session.id',
    ATTR_MCP_RESOURCE_URI: 'mcp.resource.uri',
    ATTR_MCP_PROTOCOL_VERSION: 'mcp.protocol.version',
    // common.yaml (refs into the general registry)
    ATTR_GEN_AI_TOOL_NAME: 'gen_ai.tool.name',
    ATTR_GEN_AI_PROMPT_NAME: 'gen_ai.prompt.name',
    ATTR_GEN_AI_OPERATION_NAME: 'gen_ai.operation.name',
    ATTR_ERROR_TYPE: 'error.type',
    ATTR_RPC_RESPONSE_STATUS_CODE: 'rpc.response.status_code',
    ATTR_NETWORK_TRANSPORT: 'network.transport',
    ATTR_NETWORK_PROTOCOL_NAME: 'network.protocol.name',
    ATTR_NETWORK_PROTOCOL_VERSION: 'network.protocol.version',
    ATTR_JSONRPC_PROTOCOL_VERSION: 'jsonrpc.protocol.version',
    ATTR_SERVER_ADDRESS: 'server.address',
    ATTR_SERVER_PORT: 'server.port',
    // spans.yaml
    ATTR_JSONRPC_REQUEST_ID: 'jsonrpc.request.id',
    ATTR_CLIENT_ADDRESS: 'client.address',
    ATTR_CLIENT_PORT: 'client.port',
    ATTR_GEN_AI_TOOL_CALL_ARGUMENTS: 'gen_ai.tool.call.arguments',
    ATTR_GEN_AI_TOOL_CALL_RESULT: 'gen_ai.tool.call.result',
    // gen-ai registry: gen_ai.prompt.variable.<key> (opt-in)
    ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX: 'gen_ai.prompt.variable.',
  },
  values: {
    GEN_AI_OPERATION_EXECUTE_TOOL: 'execute_tool', // common.yaml: set on tool calls only
    ERROR_TYPE_TOOL_ERROR: 'tool_error', // common.yaml: CallToolResult with isError
    ERROR_TYPE_OTHER: '_OTHER', // error.type well-known fallback
    NETWORK_TRANSPORT_PIPE: 'pipe', // common.yaml: stdio
    NETWORK_TRANSPORT_TCP: 'tcp', // common.yaml: HTTP
    NETWORK_PROTOCOL_HTTP: 'http', // mcp.md "Recording MCP transport"
    STATELESS_PROTOCOL_VERSION: '2026-07-28', // registry.yaml mcp.session.id note
  },
  // registry.yaml, mcp.method.name members (in file order).
  methods: [
    'notifications/cancelled', 'initialize', 'notifications/initialized', 'notifications/progress', 'ping',
    'resources/list', 'resources/templates/list', 'resources/read', 'notifications/resources/list_changed',
    'resources/subscribe', 'resources/unsubscribe', 'notifications/resources/updated', 'prompts/list', 'prompts/get',
    'notifications/prompts/list_changed', 'tools/list', 'tools/call', 'notifications/tools/list_changed',
    'logging/setLevel', 'notifications/message', 'sampling/createMessage', 'completion/complete', 'roots/list',
    'notifications/roots/list_changed', 'elicitation/create', 'server/discover', 'subscriptions/listen',
    'notifications/subscriptions/acknowledged',
  ],
  // registry.yaml mcp.resource.uri note.
  resourceUriMethods: ['resources/read', 'resources/subscribe', 'resources/unsubscribe', 'notifications/resources/updated'],
  callerErrorCodes: [-32700, -32600, -32601, -32602, -32002],
  // mcp.md: ExplicitBucketBoundaries advice, the same for all four.
  buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
  // metrics.yaml (+ common.yaml groups; mcp.md tables for the session metrics' network attributes).
  metrics: [
    {
      name: 'mcp.client.operation.duration', kind: 'histogram', unit: 's',
      attributes: ['mcp.method.name', 'error.type', 'gen_ai.tool.name', 'gen_ai.prompt.name', 'rpc.response.status_code', 'gen_ai.operation.name', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version', 'server.address', 'server.port'],
      optIn: ['mcp.resource.uri'],
    },
    {
      name: 'mcp.server.operation.duration', kind: 'histogram', unit: 's',
      attributes: ['mcp.method.name', 'error.type', 'gen_ai.tool.name', 'gen_ai.prompt.name', 'rpc.response.status_code', 'gen_ai.operation.name', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version'],
      optIn: ['mcp.resource.uri'],
    },
    {
      name: 'mcp.client.session.duration', kind: 'histogram', unit: 's',
      attributes: ['error.type', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version', 'server.address', 'server.port'],
      optIn: [],
    },
    {
      name: 'mcp.server.session.duration', kind: 'histogram', unit: 's',
      attributes: ['error.type', 'mcp.protocol.version', 'jsonrpc.protocol.version', 'network.transport', 'network.protocol.name', 'network.protocol.version'],
      optIn: [],
    },
  ],
} as const;

describe('the constants match the conventions table', () => {
  it.each(Object.entries(CONVENTIONS.attributes))('%s = %s', (constant, value) => {
    expect((semconv as Record<string, unknown>)[constant]).toBe(value);
  });
  it.each(Object.entries(CONVENTIONS.values))('%s = %s', (constant, value) => {
    expect((semconv as Record<string, unknown>)[constant]).toBe(value);
  });
  it('knows every mcp.method.name member and nothing else', () => {
    expect([...semconv.MCP_METHOD_NAMES].sort()).toEqual([...CONVENTIONS.methods].sort());
  });
  it('records mcp.resource.uri on exactly the methods the registry names', () => {
    expect([...semconv.RESOURCE_URI_METHODS].sort()).toEqual([...CONVENTIONS.resourceUriMethods].sort());
  });
  it('treats the caller errors as not errors on the receiving side', () => {
    expect([...semconv.CALLER_ERROR_CODES].sort()).toEqual([...CONVENTIONS.callerErrorCodes].sort());
  });
  it('defines the four histograms: name, instrument, unit, bucket advice, attribute keys', () => {
    expect(semconv.MCP_DURATION_BUCKETS).toEqual(CONVENTIONS.buckets);
    expect(
      semconv.MCP_METRICS.map((m) => ({ name: m.name, kind: m.kind, unit: m.unit, attributes: [...m.attributes].sort(), optIn: [...m.optInAttributes] })),
    ).toEqual(CONVENTIONS.metrics.map((m) => ({ name: m.name, kind: m.kind, unit: m.unit, attributes: [...m.attributes].sort(), optIn: [...m.optIn] })));
    for (const m of semconv.MCP_METRICS) expect(m.buckets).toEqual(CONVENTIONS.buckets);
  });
  it('never allows a session or request id on a metric', () => {
    for (const m of semconv.MCP_METRICS) {
      expect(m.attributes).not.toContain('mcp.session.id');
      expect(m.attributes).not.toContain('jsonrpc.request.id');
    }
  });
});

describe('the instrumentation emits what the table says', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = installGlobals();
  });
  afterAll(() => restore());

  it('span names `{mcp.method.name} {target}`, kinds by direction, status ERROR iff error.type', async () => {
    const telemetry = memoryTelemetry();
    const { client, server } = await memoryPair(telemetry, {}, (s) => {
      s.registerTool('crash', {}, async () => ({ content: [], isError: true }));
      s.server.registerCapabilities({ resources: { subscribe: true } });
      s.server.setRequestHandler(SubscribeRequestSchema, async () => {
        throw new McpError(ErrorCode.InternalError, 'store down');
      });
    }, { prelist: false });
    await client.listTools();
    await client.listPrompts();
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'crash', arguments: {} });
    await client.getPrompt({ name: 'greet', arguments: { name: 'a' } });
    await client.getPrompt({ name: 'nope', arguments: {} }).catch(() => {});
    await client.subscribeResource({ uri: 'x://y' }).catch(() => {});
    await client.close();
    await server.close();

    const call = telemetry.span('tools/call echo', SpanKind.CLIENT);
    expect(telemetry.span('tools/call echo', SpanKind.SERVER).parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(telemetry.span('prompts/get greet', SpanKind.SERVER).attributes['gen_ai.prompt.name']).toBe('greet');
    // No target known: the method alone.
    expect(telemetry.span('tools/list', SpanKind.SERVER).attributes['mcp.method.name']).toBe('tools/list');
    // isError result: tool_error and ERROR on both sides.
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = telemetry.span('tools/call crash', kind);
      expect(span.attributes['error.type']).toBe(CONVENTIONS.values.ERROR_TYPE_TOOL_ERROR);
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    // -32602 (unknown prompt): an error for the sender only.
    const unknownClient = telemetry.span('prompts/get nope', SpanKind.CLIENT);
    expect(unknownClient.attributes['error.type']).toBe('-32602');
    expect(unknownClient.status.code).toBe(SpanStatusCode.ERROR);
    const unknownServer = telemetry.span('prompts/get', SpanKind.SERVER);
    expect(unknownServer.attributes['rpc.response.status_code']).toBe('-32602');
    expect(unknownServer.attributes).not.toHaveProperty('error.type');
    expect(unknownServer.status.code).toBe(SpanStatusCode.UNSET);
    // -32603: an error on both sides, described by the JSON-RPC message.
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = telemetry.span('resources/subscribe', kind);
      expect(span.attributes['error.type']).toBe('-32603');
      expect(span.attributes['rpc.response.status_code']).toBe('-32603');
      // The JSON-RPC error message as it went over the wire (McpError prefixes its code).
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'MCP error -32603: store down' });
    }
    // Every span: ERROR if and only if error.type.
    for (const span of telemetry.spans()) {
      expect(span.status.code === SpanStatusCode.ERROR, span.name).toBe(span.attributes['error.type'] !== undefined);
    }
  });

  it('records the histograms with the advised buckets and unit', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry);
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.close();
    await telemetry.collect();
    const byName = new Map(telemetry.histograms().map((h) => [h.descriptor.name, h]));
    for (const def of CONVENTIONS.metrics) {
      const histogram = byName.get(def.name);
      expect(histogram, def.name).toBeDefined();
      expect(histogram!.descriptor.unit).toBe(def.unit);
      expect(histogram!.dataPoints[0]!.value.buckets.boundaries).toEqual(CONVENTIONS.buckets);
    }
  });
});
