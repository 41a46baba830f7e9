// Opt-in payload capture and the "no double spans" rule, in process (real SDK v1 client and
// server over InMemoryTransport, real OpenTelemetry SDK providers).
import { SpanKind, context } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setExecuteToolSpan } from '../src/index';
import { installGlobals, memoryPair, memoryTelemetry } from './helpers/memory';

let restore: () => void;
beforeAll(() => {
  restore = installGlobals();
});
afterAll(() => restore());

describe('payload capture', () => {
  const secret = 'sk-live-0123456789';
  const run = async (config: Parameters<typeof memoryPair>[1]) => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry, config);
    await client.callTool({ name: 'echo', arguments: { text: `key ${secret} ${'y'.repeat(100)}` } });
    await client.getPrompt({ name: 'greet', arguments: { name: `bob ${secret}` } });
    await client.close();
    return telemetry;
  };

  it('is off by default', async () => {
    const telemetry = await run({ env: {} });
    for (const span of telemetry.spans()) {
      expect(Object.keys(span.attributes).filter((k) => k.startsWith('gen_ai.tool.call.') || k.startsWith('gen_ai.prompt.variable.')), span.name).toEqual([]);
    }
  });

  it('is switched on by OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, redacted by the host hook, then truncated', async () => {
    const telemetry = await run({ env: { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'True' }, redact: (s) => s.split(secret).join('[REDACTED]'), maxContentLength: 60 });
    const recorded = (value: unknown) => JSON.stringify(value).split(secret).join('[REDACTED]').slice(0, 60);
    const args = { text: `key ${secret} ${'y'.repeat(100)}` };
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const call = telemetry.span('tools/call echo', kind);
      expect(call.attributes['gen_ai.tool.call.arguments']).toBe(recorded(args));
      expect(call.attributes['gen_ai.tool.call.result']).toBe(recorded({ content: [{ type: 'text', text: args.text }] }));
      expect(telemetry.span('prompts/get greet', kind).attributes['gen_ai.prompt.variable.name']).toBe('bob [REDACTED]');
    }
    for (const span of telemetry.spans()) expect(JSON.stringify(span.attributes), span.name).not.toContain(secret);
  });

  it('drops a value whose redaction hook throws rather than record it unredacted', async () => {
    const telemetry = await run({ captureContent: true, redact: () => {
      throw new Error('scrubber down');
    } });
    expect(telemetry.span('tools/call echo', SpanKind.SERVER).attributes).not.toHaveProperty('gen_ai.tool.call.arguments');
    for (const span of telemetry.spans()) expect(JSON.stringify(span.attributes), span.name).not.toContain(secret);
  });
});

describe('no double spans', () => {
  const outerSetup = async (config: Parameters<typeof memoryPair>[1], mark: boolean) => {
    const telemetry = memoryTelemetry();
    const { client } = await memoryPair(telemetry, config);
    const agent = telemetry.tracerProvider.getTracer('genai-framework');
    await agent.startActiveSpan('execute_tool echo', { kind: SpanKind.INTERNAL, attributes: { 'gen_ai.operation.name': 'execute_tool' } }, async (span) => {
      const run = () => client.callTool({ name: 'echo', arguments: { text: 'x' } });
      await (mark ? context.with(setExecuteToolSpan(context.active(), span), run) : run());
      span.end();
    });
    await client.close();
    return telemetry;
  };

  it('adds the MCP attributes to an outer execute_tool span instead of opening a CLIENT span', async () => {
    const telemetry = await outerSetup({}, false);
    const outer = telemetry.span('execute_tool echo');
    expect(telemetry.spans().filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith('tools/call'))).toEqual([]);
    expect(outer.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'jsonrpc.request.id': expect.any(String) });
    expect(telemetry.span('tools/call echo', SpanKind.SERVER).parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });

  it('finds a span marked with setExecuteToolSpan too', async () => {
    const telemetry = await outerSetup({}, true);
    expect(telemetry.spans().filter((s) => s.kind === SpanKind.CLIENT && s.name.startsWith('tools/call'))).toEqual([]);
  });

  it('opens its own span when reuseExecuteToolSpan is false', async () => {
    const telemetry = await outerSetup({ reuseExecuteToolSpan: false }, false);
    const outer = telemetry.span('execute_tool echo');
    expect(telemetry.span('tools/call echo', SpanKind.CLIENT).parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
  });
});
