/**
 * The demo upstream MCP server (stdio). Its tools exercise every gateway path:
 * `answer` (ordinary), `slow` (sleeps), `fail` (tool error), `crash` (exits mid-call),
 * `lookup_customer` (returns PII), `get_weather` (off-topic, hedging text), `echo` (text and
 * structured content), `big_result` (a result of a given size).
 *
 * It continues the caller's trace: `params._meta.traceparent` becomes the parent of its
 * own `tools/call {tool}` SERVER span, and each result reports, in
 * `_meta["io.secure-mcp-gateway/trace"]`, the traceparent it received and its span's ids.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ensureContextManager, extractTraceContext, getLogger, getTracer, initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { z } from 'zod';

const TRACE_META_KEY = 'io.secure-mcp-gateway/trace';
const log = getLogger('demo-upstream');
const tracer = getTracer('demo-upstream', '0.1.0');

type Meta = Record<string, unknown> | undefined;

async function traced(tool: string, meta: Meta, fn: () => Promise<CallToolResult>): Promise<CallToolResult> {
  const parent = extractTraceContext((meta ?? {}) as Record<string, unknown>, context.active());
  const span = tracer.startSpan(
    `tools/call ${tool}`,
    { kind: SpanKind.SERVER, attributes: { 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': tool, 'gen_ai.operation.name': 'execute_tool', 'network.transport': 'pipe' } },
    parent,
  );
  const ctx = trace.setSpan(parent, span);
  const parentIds = trace.getSpanContext(parent);
  try {
    const result = await context.with(ctx, fn);
    if (result.isError) {
      span.setAttribute('error.type', 'tool_error');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'tool_error' });
    }
    context.with(ctx, () => log.info('tool_call', { tool, outcome: result.isError ? 'failure' : 'success' }));
    const own = span.spanContext();
    return {
      ...result,
      _meta: {
        ...result._meta,
        [TRACE_META_KEY]: {
          received_traceparent: typeof meta?.traceparent === 'string' ? meta.traceparent : null,
          parent_trace_id: parentIds?.traceId ?? null,
          parent_span_id: parentIds?.spanId ?? null,
          trace_id: own.traceId,
          span_id: own.spanId,
        },
        // Which process answered: lets tests see that a wedged upstream was replaced.
        'io.secure-mcp-gateway/demo-upstream': { pid: process.pid },
      },
    };
  } finally {
    span.end();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new Error('cancelled'));
    }, { once: true });
  });
}

const text = (t: string): CallToolResult => ({ content: [{ type: 'text', text: t }] });

export function createUpstreamServer(): McpServer {
  const server = new McpServer({ name: 'demo-upstream', version: '0.1.0' });
  server.registerTool(
    'answer',
    { description: 'Answers a question about the demo product catalogue.', inputSchema: { question: z.string().min(1) } },
    ({ question }, extra) =>
      traced('answer', extra._meta, async () => text(`Answer about "${question}": the catalogue lists 3 products matching ${question}.`)),
  );
  server.registerTool(
    'slow',
    { description: 'Answers after a delay (to exercise timeout budgets).', inputSchema: { seconds: z.number().min(0).max(120) } },
    ({ seconds }, extra) =>
      traced('slow', extra._meta, async () => {
        await sleep(seconds * 1000, extra.signal);
        return text(`slow answer after ${seconds} seconds`);
      }),
  );
  server.registerTool('fail', { description: 'Always fails (a tool-level error).', inputSchema: { reason: z.string().optional() } }, ({ reason }, extra) =>
    traced('fail', extra._meta, async () => ({ content: [{ type: 'text', text: `fail tool failed: ${reason ?? 'simulated failure'}` }], isError: true })),
  );
  server.registerTool('crash', { description: 'Exits the server process mid-call.', inputSchema: {} }, (_args, extra) =>
    traced('crash', extra._meta, async () => {
      process.stderr.write('demo-upstream: crashing on purpose\n');
      setImmediate(() => process.exit(3));
      await new Promise(() => {}); // never answers
      return text('unreachable');
    }),
  );
  server.registerTool(
    'lookup_customer',
    { description: 'Looks up a customer record (returns PII).', inputSchema: { customer_id: z.string().min(1) } },
    ({ customer_id }, extra) =>
      traced('lookup_customer', extra._meta, async () =>
        text(`Customer ${customer_id}: Jane Doe, email jane.doe@example.com, phone 555-123-4567, SSN 123-45-6789, status active.`),
      ),
  );
  server.registerTool(
    'get_weather',
    { description: 'Weather forecast for a city.', inputSchema: { city: z.string().min(1) } },
    (_args, extra) =>
      traced('get_weather', extra._meta, async () =>
        text('I believe the moon is probably made of green cheese, and pirates once buried treasure there [citation needed].'),
      ),
  );
  server.registerTool(
    'echo',
    {
      description: 'Echoes its text back, as text and as structured content (large-payload and guardrail tests).',
      inputSchema: { text: z.string() },
      outputSchema: { text: z.string(), length: z.number() },
    },
    ({ text: value }, extra) =>
      traced('echo', extra._meta, async () => ({ content: [{ type: 'text', text: JSON.stringify({ text: value, length: value.length }) }], structuredContent: { text: value, length: value.length } })),
  );
  server.registerTool(
    'big_result',
    { description: 'Returns a text result of the given size, in letters (result-size and output-guardrail tests).', inputSchema: { bytes: z.number().int().min(0).max(64 * 1024 * 1024) } },
    ({ bytes }, extra) => traced('big_result', extra._meta, async () => text('a'.repeat(bytes))),
  );
  return server;
}

async function main(): Promise<void> {
  const provider = process.env.ENKRYPT_TELEMETRY_PROVIDER ?? 'stdout';
  await initTelemetry({
    config: {
      plugins: {
        telemetry: {
          provider,
          config: {
            service_name: process.env.OTEL_SERVICE_NAME ?? 'demo-upstream',
            ...(process.env.DEMO_UPSTREAM_OTLP_URL ? { url: process.env.DEMO_UPSTREAM_OTLP_URL } : {}),
          },
        },
      },
      common_mcp_gateway_config: { enkrypt_log_level: process.env.DEMO_UPSTREAM_LOG_LEVEL ?? 'WARNING' },
    },
    stdoutReserved: true,
    serviceVersion: '0.1.0',
  });
  ensureContextManager();
  const server = createUpstreamServer();
  await server.connect(new StdioServerTransport());
  process.stdin.once('end', () => {
    void shutdownTelemetry({ timeoutMs: 2000 }).finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`demo-upstream: ${(error as Error).message}\n`);
  process.exit(1);
});
