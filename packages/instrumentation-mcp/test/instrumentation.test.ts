// Behaviour a host depends on, in process: real SDK v1 client and server over InMemoryTransport,
// real OpenTelemetry SDK providers, spans and metric points read back from memory.
import { SpanKind, SpanStatusCode, context, metrics, propagation, trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { EmptyResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { createMcpInstrumentation, getMcpOperation, instrumentClient, instrumentServer } from '../src/index';
import { installGlobals, memoryPair, memoryTelemetry } from './helpers/memory';

let restore: () => void;
beforeAll(() => {
  restore = installGlobals();
});
afterAll(() => restore());

const text = (t: string) => ({ content: [{ type: 'text' as const, text: t }] });
const point = (t: ReturnType<typeof memoryTelemetry>, metric: string, attrs: Record<string, unknown>) =>
  t.points(metric).filter((p) => Object.entries(attrs).every(([k, v]) => p.attributes[k] === v));

describe('inside a handler', () => {
  it('the MCP server span is the active span and the operation lets the host set error.type', async () => {
    const telemetry = memoryTelemetry();
    let sameSpan = false;
    const { client } = await memoryPair(telemetry, {}, (server) => {
      server.registerTool('guarded', {}, async () => {
        const operation = getMcpOperation()!;
        sameSpan = operation.span === trace.getActiveSpan() && operation.method === 'tools/call';
        operation.span.addEvent('guardrail.input', { 'enkrypt.verdict': 'block' });
        operation.setErrorType('blocked');
        return text('blocked by policy');
      });
    });
    await client.callTool({ name: 'guarded', arguments: {} });
    await client.close();
    await telemetry.collect();
    expect(sameSpan).toBe(true);
    const span = telemetry.span('tools/call guarded', SpanKind.SERVER);
    expect(span.events.map((e) => e.name)).toEqual(['guardrail.input']);
    expect(span.attributes['error.type']).toBe('blocked');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(point(telemetry, 'mcp.server.operation.duration', { 'gen_ai.tool.name': 'guarded', 'error.type': 'blocked' })).toHaveLength(1);
  });

  it('a request the handler sends to another MCP server continues the same trace (a gateway)', async () => {
    const telemetry = memoryTelemetry();
    const mcp = createMcpInstrumentation({ tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider });
    // Upstream server and the gateway's client of it.
    const upstream = mcp.instrumentServer(new McpServer({ name: 'upstream', version: '1' }));
    upstream.registerTool('lookup', {}, async () => text('42'));
    const upstreamClient = mcp.instrumentClient(new Client({ name: 'gateway-upstream', version: '1' }));
    const [ua, ub] = InMemoryTransport.createLinkedPair();
    await upstream.connect(ua);
    await upstreamClient.connect(ub);
    await upstreamClient.listTools();
    // The gateway: a server whose tool forwards to the upstream.
    const gateway = mcp.instrumentServer(new McpServer({ name: 'gateway', version: '1' }));
    gateway.registerTool('forward', {}, async () => (await upstreamClient.callTool({ name: 'lookup', arguments: {} })) as ReturnType<typeof text>);
    const downstream = mcp.instrumentClient(new Client({ name: 'host', version: '1' }));
    const [ga, gb] = InMemoryTransport.createLinkedPair();
    await gateway.connect(ga);
    await downstream.connect(gb);
    await downstream.listTools();
    await downstream.callTool({ name: 'forward', arguments: {} });
    await downstream.close();
    await upstreamClient.close();

    const hostSpan = telemetry.span('tools/call forward', SpanKind.CLIENT);
    const gatewayServer = telemetry.span('tools/call forward', SpanKind.SERVER);
    const gatewayClient = telemetry.span('tools/call lookup', SpanKind.CLIENT);
    const upstreamServer = telemetry.span('tools/call lookup', SpanKind.SERVER);
    expect(gatewayServer.parentSpanContext?.spanId).toBe(hostSpan.spanContext().spanId);
    // The gateway's own tools/call span is not an "outer execute_tool span": a CLIENT span is opened.
    expect(gatewayClient.parentSpanContext?.spanId).toBe(gatewayServer.spanContext().spanId);
    expect(upstreamServer.parentSpanContext?.spanId).toBe(gatewayClient.spanContext().spanId);
    expect(new Set([hostSpan, gatewayServer, gatewayClient, upstreamServer].map((s) => s.spanContext().traceId)).size).toBe(1);
  });
});

describe('hostile names', () => {
  it('folds an unknown incoming method to _OTHER (span name and metric) and -32601 is not a server error', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry);
    await client.request({ method: 'acme/probe-7f3a' }, EmptyResultSchema).catch(() => {});
    await client.close();
    await telemetry.collect();
    const server = telemetry.span('_OTHER', SpanKind.SERVER);
    expect(server.attributes['mcp.method.name']).toBe('_OTHER');
    expect(server.attributes['rpc.response.status_code']).toBe('-32601');
    expect(server.status.code).toBe(SpanStatusCode.UNSET);
    // This side's own custom method keeps its name; for the sender the error is an error.
    const sent = telemetry.span('acme/probe-7f3a', SpanKind.CLIENT);
    expect(sent.attributes['error.type']).toBe('-32601');
    expect(point(telemetry, 'mcp.server.operation.duration', { 'mcp.method.name': '_OTHER' })).toHaveLength(1);
  });

  it('keeps a custom method named in extraMethods', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry, { extraMethods: ['acme/probe'] });
    await client.request({ method: 'acme/probe' }, EmptyResultSchema).catch(() => {});
    await client.close();
    expect(telemetry.span('acme/probe', SpanKind.SERVER).attributes['mcp.method.name']).toBe('acme/probe');
  });

  it('puts only advertised tool names in server span names and metrics; the span attribute keeps the name, bounded', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry, {}, undefined, { prelist: false });
    const long = 'x'.repeat(500);
    await client.callTool({ name: 'echo', arguments: { text: 'before any tools/list' } });
    await client.listTools();
    await client.callTool({ name: 'echo', arguments: { text: 'after' } });
    await client.callTool({ name: 'made-up-1', arguments: {} });
    await client.callTool({ name: long, arguments: {} });
    await client.close();
    await telemetry.collect();
    const serverCalls = telemetry.spans().filter((s) => s.kind === SpanKind.SERVER && s.attributes['mcp.method.name'] === 'tools/call');
    expect(serverCalls.map((s) => s.name)).toEqual(['tools/call', 'tools/call echo', 'tools/call', 'tools/call']);
    expect(serverCalls.map((s) => String(s.attributes['gen_ai.tool.name']).length)).toEqual([4, 4, 9, 128]);
    const names = telemetry.points('mcp.server.operation.duration').map((p) => p.attributes['gen_ai.tool.name']).filter(Boolean);
    expect(new Set(names)).toEqual(new Set(['_OTHER', 'echo']));
    // The client picked the names itself ('any'), except one no span name can carry.
    const clientNames = telemetry.spans().filter((s) => s.kind === SpanKind.CLIENT && s.attributes['mcp.method.name'] === 'tools/call').map((s) => s.name);
    expect(clientNames).toEqual(['tools/call echo', 'tools/call echo', 'tools/call made-up-1', 'tools/call']);
  });

  it('takes an allow-list function instead', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry, { targetNames: (kind, name) => kind === 'tool' && name === 'echo' });
    await client.callTool({ name: 'echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'other', arguments: {} });
    await client.close();
    expect(telemetry.spans().filter((s) => s.kind === SpanKind.SERVER && s.name.startsWith('tools/call')).map((s) => s.name)).toEqual(['tools/call echo', 'tools/call']);
  });
});

describe('requests that end without a response', () => {
  const slowSetup = (telemetry: ReturnType<typeof memoryTelemetry>) =>
    memoryPair(telemetry, {}, (server) => {
      server.registerTool('slow', {}, async (extra) => {
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve));
        return text('late');
      });
    });

  it('records a timeout on the client and a cancellation on the server', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await slowSetup(telemetry);
    await client.callTool({ name: 'slow', arguments: {} }, undefined, { timeout: 50 }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    expect(telemetry.span('tools/call slow', SpanKind.CLIENT).attributes['error.type']).toBe('timeout');
    expect(telemetry.span('tools/call slow', SpanKind.SERVER).attributes['error.type']).toBe('cancelled');
  });

  it('ends what is pending as connection_closed when the transport closes, and the session with that error', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await slowSetup(telemetry);
    const pending = client.callTool({ name: 'slow', arguments: {} }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    await client.close();
    await pending;
    await telemetry.collect();
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = telemetry.span('tools/call slow', kind);
      expect(span.attributes['error.type']).toBe('connection_closed');
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
    }
    expect(point(telemetry, 'mcp.client.session.duration', { 'error.type': 'connection_closed' })).toHaveLength(1);
  });
});

describe('propagation', () => {
  it('injects into a copy of _meta: the caller\'s object is untouched, its keys still arrive', async () => {
    const telemetry = memoryTelemetry();
    let received: Record<string, unknown> | undefined;
    const { client } = await memoryPair(telemetry, {}, (server) => {
      server.registerTool('meta', {}, async (extra) => {
        received = extra._meta as Record<string, unknown>;
        return text('ok');
      });
    });
    const userMeta = { 'acme/tenant': 't-1' };
    await client.callTool({ name: 'meta', arguments: {}, _meta: userMeta });
    await client.close();
    expect(userMeta).toEqual({ 'acme/tenant': 't-1' });
    const sent = telemetry.span('tools/call meta', SpanKind.CLIENT).spanContext();
    expect(received).toMatchObject({ 'acme/tenant': 't-1', traceparent: `00-${sent.traceId}-${sent.spanId}-01` });
  });

  it('carries baggage to the server handler', async () => {
    const telemetry = memoryTelemetry();
    let tenant: string | undefined;
    const { client } = await memoryPair(telemetry, {}, (server) => {
      server.registerTool('bag', {}, async () => {
        tenant = propagation.getActiveBaggage()?.getEntry('tenant')?.value;
        return text('ok');
      });
    });
    const baggage = propagation.createBaggage({ tenant: { value: 'acme' } });
    await context.with(propagation.setBaggage(context.active(), baggage), () => client.callTool({ name: 'bag', arguments: {} }));
    await client.close();
    expect(tenant).toBe('acme');
  });
});

describe('setup', () => {
  it('records on an SDK registered globally after instrumentServer() (the meter is looked up again)', async () => {
    const telemetry = memoryTelemetry();
    const server = instrumentServer(new McpServer({ name: 'late', version: '1' }));
    server.registerTool('echo', {}, async () => text('x'));
    const client = instrumentClient(new Client({ name: 'late-client', version: '1' }));
    trace.setGlobalTracerProvider(telemetry.tracerProvider);
    metrics.setGlobalMeterProvider(telemetry.meterProvider);
    try {
      const [a, b] = InMemoryTransport.createLinkedPair();
      await server.connect(a);
      await client.connect(b);
      await client.callTool({ name: 'echo', arguments: {} });
      await client.close();
      await telemetry.collect();
      expect(telemetry.span('tools/call echo', SpanKind.CLIENT)).toBeDefined();
      expect(point(telemetry, 'mcp.client.operation.duration', { 'gen_ai.tool.name': 'echo' })).toHaveLength(1);
    } finally {
      trace.disable();
      metrics.disable();
    }
  });

  it('never breaks the MCP traffic when the telemetry throws', async () => {
    const broken: TracerProvider = {
      getTracer: () =>
        ({
          startSpan: () => {
            throw new Error('tracer exploded');
          },
        }) as unknown as Tracer,
    };
    const server = instrumentServer(new McpServer({ name: 'b', version: '1' }), { tracerProvider: broken });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, async ({ text: t }) => text(t));
    const client = instrumentClient(new Client({ name: 'b', version: '1' }), { tracerProvider: broken });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    await client.connect(b);
    expect(await client.callTool({ name: 'echo', arguments: { text: 'still works' } })).toEqual(text('still works'));
    await client.close();
  });

  it('instruments a server that is already connected, and only once however often it is called', async () => {
    const telemetry = memoryTelemetry();
    const server = new McpServer({ name: 'early', version: '1' });
    server.registerTool('echo', {}, async () => text('x'));
    const [a, b] = InMemoryTransport.createLinkedPair();
    await server.connect(a);
    const options = { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider };
    instrumentServer(server, options);
    instrumentServer(server, options);
    const client = new Client({ name: 'plain', version: '1' });
    await client.connect(b);
    await client.callTool({ name: 'echo', arguments: {} });
    await client.close();
    expect(telemetry.spans().filter((s) => s.attributes['mcp.method.name'] === 'tools/call')).toHaveLength(1);
  });

  it('skips ignoredMethods entirely', async () => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry, { ignoredMethods: ['ping'] });
    await client.ping();
    await client.close();
    expect(telemetry.spans().filter((s) => s.name === 'ping')).toEqual([]);
  });

  it('says what is wrong with bad arguments', () => {
    expect(() => instrumentServer({} as never)).toThrow(/instrumentServer expects an MCP SDK Server or McpServer \(v1 or v2\), got object/);
    expect(() => instrumentClient(null as never)).toThrow(/instrumentClient expects an MCP SDK Client/);
    expect(() => createMcpInstrumentation({ maxContentLength: 0 })).toThrow(/maxContentLength must be a positive integer, got 0/);
  });
});
