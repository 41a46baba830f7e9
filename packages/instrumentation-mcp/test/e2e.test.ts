// Real clients against real servers, both SDK majors in every pairing, over stdio (a real child
// process) and Streamable HTTP (loopback): the scenario runs every method the SDKs offer, and the
// spans and metric points are asserted where they land, at the real OTLP receiver. Each side wires
// the OpenTelemetry SDK by hand (test/fixtures/otel.mjs) and instruments in one call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import type { DecodedMetricPoint, DecodedSpan, OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { MCP_DURATION_BUCKETS, MCP_METRICS } from '../src/semconv';
// @ts-expect-error plain JS fixture shared with the child processes
import { startOtel } from './fixtures/otel.mjs';
import { connectClient, runScenario, startHttpServer, stopChild } from './helpers/clients';
import type { Kind, Major } from './helpers/clients';

/** Client-initiated exchanges: [client span name, server span name, is a request]. */
const CLIENT_EXCHANGES: readonly [string, string, boolean][] = [
  ['initialize', 'initialize', true],
  ['notifications/initialized', 'notifications/initialized', false],
  ['ping', 'ping', true],
  ['logging/setLevel', 'logging/setLevel', true],
  ['tools/list', 'tools/list', true],
  ['tools/call echo', 'tools/call echo', true],
  ['tools/call fail', 'tools/call fail', true],
  ['tools/call flagged', 'tools/call flagged', true],
  // Not advertised by the server: its span name carries no target (tool names are client input).
  ['tools/call no_such_tool', 'tools/call', true],
  ['tools/call ask', 'tools/call ask', true],
  ['tools/call progress', 'tools/call progress', true],
  ['prompts/list', 'prompts/list', true],
  ['prompts/get greet', 'prompts/get greet', true],
  ['completion/complete greet', 'completion/complete greet', true],
  ['resources/list', 'resources/list', true],
  ['resources/templates/list', 'resources/templates/list', true],
  ['resources/read', 'resources/read', true],
  ['resources/read', 'resources/read', true],
  ['resources/read', 'resources/read', true],
  ['resources/read', 'resources/read', true],
  ['notifications/roots/list_changed', 'notifications/roots/list_changed', false],
  ['tools/call slow', 'tools/call slow', true],
  ['notifications/cancelled', 'notifications/cancelled', false],
];
/** Server-initiated exchanges (the roles swap): [name, sent from inside this server span, is a request]. */
const SERVER_EXCHANGES: readonly [string, string, boolean][] = [
  ['sampling/createMessage', 'tools/call ask', true],
  ['notifications/progress', 'tools/call progress', false],
  ['notifications/message', 'tools/call progress', false],
];
const CALLER_ERRORS = ['-32700', '-32600', '-32601', '-32602', '-32002'];
const VERSION = '2025-11-25';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => receiver?.close());

const COMBOS: [Major, Major, Kind][] = [
  ['v1', 'v1', 'stdio'],
  ['v2', 'v2', 'stdio'],
  ['v1', 'v2', 'stdio'],
  ['v2', 'v1', 'stdio'],
  ['v1', 'v1', 'http'],
  ['v2', 'v2', 'http'],
  ['v1', 'v2', 'http'],
  ['v2', 'v1', 'http'],
];

describe.each(COMBOS)('%s client → %s server over %s', (clientMajor, serverMajor, kind) => {
  const id = `${clientMajor}-${serverMajor}-${kind}`;
  let clientSpans: DecodedSpan[];
  let serverSpans: DecodedSpan[];
  let clientPoints: DecodedMetricPoint[];
  let serverPoints: DecodedMetricPoint[];
  let httpSpans: DecodedSpan[];

  beforeAll(async () => {
    const otel = startOtel(receiver.httpUrl, `client-${id}`);
    const env = { OTLP_URL: receiver.httpUrl, SERVICE_NAME: `server-${id}` };
    const http = kind === 'http' ? await startHttpServer(serverMajor, env) : undefined;
    try {
      const client = await connectClient(clientMajor, serverMajor, kind, env, http?.port);
      await runScenario(client, kind);
      await client.close();
    } finally {
      if (http) await stopChild(http.child);
      await otel.shutdown();
    }
    const of = (service: string) => <T extends { resource: Record<string, unknown> }>(items: T[]) => items.filter((i) => i.resource['service.name'] === service);
    await receiver.waitFor(() => of(`server-${id}`)(receiver.metrics).some((m) => m.name === 'mcp.server.session.duration'));
    await receiver.waitFor(() => of(`server-${id}`)(receiver.spans).some((s) => s.name === 'notifications/cancelled'));
    clientSpans = of(`client-${id}`)(receiver.spans).filter((s) => s.scope.name === '@secure-mcp-gateway/instrumentation-mcp');
    serverSpans = of(`server-${id}`)(receiver.spans).filter((s) => s.scope.name === '@secure-mcp-gateway/instrumentation-mcp');
    httpSpans = of(`server-${id}`)(receiver.spans).filter((s) => s.scope.name === 'http-fixture');
    // Metrics are cumulative: the last export of each series holds the totals.
    const last = (points: DecodedMetricPoint[]) => [...new Map(points.map((p) => [`${p.name} ${JSON.stringify(p.attributes)}`, p])).values()];
    clientPoints = last(of(`client-${id}`)(receiver.metrics));
    serverPoints = last(of(`server-${id}`)(receiver.metrics));
  });

  const childOf = (parent: DecodedSpan, candidates: DecodedSpan[]) =>
    candidates.filter((s) => s.traceId === parent.traceId && s.parentSpanId === parent.spanId);

  it('traces every exchange on both sides, the receiver span a child of the sender span (one trace end to end)', () => {
    const sent = clientSpans.filter((s) => s.kind === 'CLIENT');
    expect(sent.map((s) => s.name).sort()).toEqual(CLIENT_EXCHANGES.map(([c]) => c).sort());
    for (const span of sent) {
      const received = childOf(span, serverSpans);
      expect(received, `server span for ${span.name}`).toHaveLength(1);
      expect(received[0]!.kind).toBe('SERVER');
      const expected = CLIENT_EXCHANGES.find(([c, s]) => c === span.name && s === received[0]!.name);
      expect(expected, `${span.name} → ${received[0]!.name}`).toBeDefined();
    }
    // Requests the server sends: the server emits the CLIENT span, the client the SERVER span.
    for (const [name, within] of SERVER_EXCHANGES) {
      const handler = serverSpans.find((s) => s.name === within && s.kind === 'SERVER')!;
      const sentByServer = childOf(handler, serverSpans).filter((s) => s.name === name);
      expect(sentByServer, name).toHaveLength(1);
      expect(sentByServer[0]!.kind).toBe('CLIENT');
      const receivedByClient = childOf(sentByServer[0]!, clientSpans);
      expect(receivedByClient.map((s) => [s.name, s.kind])).toEqual([[name, 'SERVER']]);
    }
    expect(serverSpans).toHaveLength(CLIENT_EXCHANGES.length + SERVER_EXCHANGES.length);
    expect(clientSpans).toHaveLength(CLIENT_EXCHANGES.length + SERVER_EXCHANGES.length);
  });

  it('records the conventions\' attributes on every span', () => {
    for (const span of [...clientSpans, ...serverSpans]) {
      const a = span.attributes;
      const where = `${span.resource['service.name']} ${span.kind} ${span.name}`;
      expect(span.name.startsWith(String(a['mcp.method.name'])), where).toBe(true);
      const isRequest = !String(a['mcp.method.name']).startsWith('notifications/');
      if (isRequest) expect(a['jsonrpc.request.id'], where).toMatch(/^\d+$/);
      else expect(a, where).not.toHaveProperty('jsonrpc.request.id');
      expect(a['mcp.protocol.version'], where).toBe(VERSION);
      expect(a['network.transport'], where).toBe(kind === 'stdio' ? 'pipe' : 'tcp');
      if (kind === 'stdio') {
        expect(a, where).not.toHaveProperty('mcp.session.id');
        expect(a, where).not.toHaveProperty('network.protocol.name');
      } else {
        expect(a['network.protocol.name'], where).toBe('http');
        // The client learns the session id from the initialize response.
        if (!(span.name === 'initialize' && span.kind === 'CLIENT')) expect(a['mcp.session.id'], where).toMatch(/^[0-9a-f-]{36}$/);
      }
      if (a['mcp.method.name'] === 'tools/call') {
        expect(a['gen_ai.operation.name'], where).toBe('execute_tool');
        expect(typeof a['gen_ai.tool.name'], where).toBe('string');
      } else {
        expect(a, where).not.toHaveProperty('gen_ai.operation.name');
      }
    }
    const sessionIds = new Set([...clientSpans, ...serverSpans].map((s) => s.attributes['mcp.session.id']).filter(Boolean));
    expect(sessionIds.size).toBe(kind === 'http' ? 1 : 0);
    const read = clientSpans.filter((s) => s.name === 'resources/read').map((s) => s.attributes['mcp.resource.uri']);
    expect(read.sort()).toEqual(['docs://readme', 'fail://broken', 'items://42', 'unknown://nothing']);
    expect(clientSpans.find((s) => s.name === 'prompts/get greet')!.attributes['gen_ai.prompt.name']).toBe('greet');
    // The raw (bounded) name stays on the span; only span names and metrics fold it.
    expect(serverSpans.find((s) => s.name === 'tools/call')!.attributes['gen_ai.tool.name']).toBe('no_such_tool');
  });

  it('records addresses and the ambient HTTP span as a link on HTTP, none on stdio', () => {
    for (const span of clientSpans.filter((s) => s.kind === 'CLIENT')) {
      if (kind === 'http') {
        expect(span.attributes['server.address'], span.name).toBe('127.0.0.1');
        expect(span.attributes['server.port'], span.name).toBeGreaterThan(0);
      } else expect(span.attributes, span.name).not.toHaveProperty('server.address');
    }
    for (const span of serverSpans.filter((s) => s.kind === 'SERVER')) {
      if (kind === 'http') {
        expect(span.attributes['client.address'], span.name).toBe('127.0.0.1');
        expect(span.attributes['client.port'], span.name).toBeGreaterThan(0);
        expect(span.attributes['network.protocol.version'], span.name).toBe('1.1');
        // Parent: the client's span from _meta. Link: the HTTP request the message came in on.
        expect(span.links, span.name).toHaveLength(1);
        expect(httpSpans.map((h) => h.spanId), span.name).toContain(span.links[0]!.spanId);
      } else {
        expect(span.attributes, span.name).not.toHaveProperty('client.address');
        expect(span.links, span.name).toEqual([]);
      }
    }
  });

  it('sets error.type and status by the rules: on the server the caller\'s JSON-RPC errors are not errors', () => {
    for (const span of [...clientSpans, ...serverSpans]) {
      const a = span.attributes;
      const where = `${span.resource['service.name']} ${span.kind} ${span.name}`;
      const code = a['rpc.response.status_code'] as string | undefined;
      if (code !== undefined && span.kind === 'SERVER' && CALLER_ERRORS.includes(code)) {
        expect(a, where).not.toHaveProperty('error.type');
      } else if (code !== undefined) {
        expect(a['error.type'], where).toBe(code);
      }
      // Status ERROR if and only if error.type is set.
      expect(span.status.code, where).toBe(a['error.type'] === undefined ? 0 : 2);
    }
    const pair = (clientName: string, uri?: string) => {
      const client = clientSpans.find((s) => s.kind === 'CLIENT' && s.name === clientName && (uri === undefined || s.attributes['mcp.resource.uri'] === uri))!;
      return { client, server: childOf(client, serverSpans)[0]! };
    };
    for (const tool of ['tools/call fail', 'tools/call flagged']) {
      const { client, server } = pair(tool);
      expect([client.attributes['error.type'], server.attributes['error.type']], tool).toEqual(['tool_error', 'tool_error']);
    }
    const unknown = pair('tools/call no_such_tool');
    if (serverMajor === 'v1') {
      // SDK v1's McpServer answers an unknown tool with an isError result.
      expect([unknown.client.attributes['error.type'], unknown.server.attributes['error.type']]).toEqual(['tool_error', 'tool_error']);
    } else {
      // SDK v2 answers -32602: the caller's error, an error for the client only.
      expect(unknown.client.attributes['error.type']).toBe('-32602');
      expect(unknown.client.status.message).toMatch(/no_such_tool/);
      expect(unknown.server.attributes['rpc.response.status_code']).toBe('-32602');
      expect(unknown.server.status.code).toBe(0);
    }
    const broken = pair('resources/read', 'fail://broken');
    expect([broken.client.attributes['error.type'], broken.server.attributes['error.type']]).toEqual(['-32603', '-32603']);
    expect(broken.server.status).toEqual({ code: 2, message: 'disk on fire' });
    const missing = pair('resources/read', 'unknown://nothing');
    expect(missing.client.attributes['error.type']).toBe('-32602');
    expect(missing.server.attributes['rpc.response.status_code']).toBe('-32602');
    expect(missing.server.status.code).toBe(0);
    const slow = pair('tools/call slow');
    expect([slow.client.attributes['error.type'], slow.server.attributes['error.type']]).toEqual(['cancelled', 'cancelled']);
  });

  it('records the four duration histograms in seconds with the bucket advice, never an id', () => {
    const all = [...clientPoints, ...serverPoints];
    for (const point of all) {
      const def = MCP_METRICS.find((m) => m.name === point.name)!;
      expect(def, point.name).toBeDefined();
      expect(point.type).toBe('histogram');
      expect(point.unit).toBe('s');
      expect(point.explicitBounds).toEqual([...MCP_DURATION_BUCKETS]);
      const allowed: readonly string[] = [...def.attributes, ...def.optInAttributes];
      for (const key of Object.keys(point.attributes)) expect(allowed, `${point.name} ${key}`).toContain(key);
    }
    const op = (points: DecodedMetricPoint[], name: string, attrs: Record<string, unknown>) =>
      points.filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).reduce((n, p) => n + (p.count ?? 0), 0);
    expect(op(clientPoints, 'mcp.client.operation.duration', { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' })).toBe(1);
    expect(op(serverPoints, 'mcp.server.operation.duration', { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo' })).toBe(1);
    expect(op(clientPoints, 'mcp.client.operation.duration', { 'mcp.method.name': 'resources/read' })).toBe(4);
    expect(op(serverPoints, 'mcp.server.operation.duration', { 'gen_ai.tool.name': '_OTHER' })).toBe(1);
    expect(op(clientPoints, 'mcp.client.operation.duration', { 'gen_ai.tool.name': 'no_such_tool' })).toBe(1);
    expect(op(serverPoints, 'mcp.client.operation.duration', { 'mcp.method.name': 'sampling/createMessage' })).toBe(1);
    expect(op(clientPoints, 'mcp.server.operation.duration', { 'mcp.method.name': 'notifications/progress' })).toBe(1);
    expect(op(clientPoints, 'mcp.client.operation.duration', { 'mcp.method.name': 'initialize', 'mcp.protocol.version': VERSION })).toBe(1);
    expect(op(clientPoints, 'mcp.client.session.duration', { 'mcp.protocol.version': VERSION, 'network.transport': kind === 'stdio' ? 'pipe' : 'tcp' })).toBe(1);
    expect(op(serverPoints, 'mcp.server.session.duration', { 'mcp.protocol.version': VERSION })).toBe(1);
    if (kind === 'http') {
      expect(op(clientPoints, 'mcp.client.operation.duration', { 'server.address': '127.0.0.1' })).toBeGreaterThan(20);
    }
  });
});
