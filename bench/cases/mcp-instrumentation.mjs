// Case: what @secure-mcp-gateway/instrumentation-mcp costs. The same SDK v1 McpServer ("echo" tool)
// and client, over the SDK's InMemoryTransport in one process, three ways: bare; bare with the
// OpenTelemetry SDK wired by hand (batch span processor + OTLP/HTTP to a receiver in another
// process, a meter provider, the async-hooks context manager, the W3C propagator) but nothing
// instrumented; and with the server instrumented in one call (`instrumentServer`) on that SDK. Both variants send the same messages, a `traceparent` in `_meta`
// included, so the instrumented server extracts a real parent.
//
// Per variant, in its own process: tool calls/s in a closed loop with 8 callers, and process CPU per
// call over that loop ending in forceFlush (export included). The instrumentation's cost is
// instrumented minus SDK-set-up. Target: ≤ 15 µs of CPU per instrumented tools/call.
import { emitResult, median, quick, rotate, round, runCase, runNodeChild, sleep } from '../lib/common.mjs';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const CALLERS = 8;
const WARM_CALLS = quick ? 8_000 : 20_000;

/** Providers for each variant; `bare` sets up no OpenTelemetry at all. */
async function telemetryFor(variant, receiver) {
  if (variant === 'bare') return {};
  const { context, propagation } = await import('@opentelemetry/api');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  if (variant === 'provider') {
    // The project's OpenTelemetry provider (deferred export, its own encoder), through core.
    const { initAsGateway } = await import('../lib/telemetry.mjs');
    const { core, status } = await initAsGateway('otel', receiver);
    if (status.state !== 'active') throw new Error(`initTelemetry: ${status.state} (${status.reason ?? ''})`);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    return {
      options: { tracerProvider: { getTracer: (name) => core.getTracer(name) }, meterProvider: { getMeter: (name) => core.getMeter(name) } },
      flush: () => core.flushTelemetry({ timeoutMs: 10_000 }),
      shutdown: () => core.shutdownTelemetry({ timeoutMs: 10_000 }),
    };
  }
  const { startNaiveSdk } = await import('../lib/naive-otel.mjs');
  const sdk = startNaiveSdk(receiver.httpUrl, { serviceName: 'mcp-instrumentation-bench' });
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  let options = {};
  if (variant === 'unexported') {
    // Spans are made and ended but no processor takes them: the instrumentation's own work.
    const { BasicTracerProvider } = await import('@opentelemetry/sdk-trace-base');
    options = { tracerProvider: new BasicTracerProvider() };
  }
  void context;
  return { options, flush: () => sdk.forceFlush(), shutdown: () => sdk.shutdown() };
}

async function setup(variant, receiver) {
  const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
  const telemetry = await telemetryFor(variant, receiver);
  let server = new McpServer({ name: 'bench', version: '1.0.0' });
  if (variant !== 'bare' && variant !== 'sdk') {
    const { instrumentServer } = await import('@secure-mcp-gateway/instrumentation-mcp');
    server = instrumentServer(server, telemetry.options);
  }
  server.registerTool('echo', {}, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  const client = new Client({ name: 'bench-client', version: '1.0.0' });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  await client.connect(b);
  await client.listTools();
  const params = { name: 'echo', arguments: {}, _meta: { traceparent: TRACEPARENT } };
  return {
    call: () => client.callTool(params),
    flush: async () => telemetry.flush?.(),
    shutdown: async () => {
      await client.close();
      await telemetry.shutdown?.();
    },
  };
}

async function worker() {
  const args = process.argv;
  const variant = args[args.indexOf('--variant') + 1];
  const receiver = { httpUrl: args[args.indexOf('--http-url') + 1], grpcUrl: args[args.indexOf('--grpc-url') + 1] };
  const ms = Number(args[args.indexOf('--ms') + 1]);
  const v = await setup(variant, receiver);
  // The closed loop: CALLERS callers until `until` (ms) or `limit` calls.
  const loop = async (until, limit = Infinity) => {
    let calls = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async () => {
        while (performance.now() < until && calls < limit) {
          await v.call();
          calls++;
        }
      }),
    );
    return calls;
  };
  // Warm-up by count, not time: a cold instrumented server runs ~10x slower for its first few
  // thousand calls (interpreter and baseline code), which a short timed warm-up would measure.
  await loop(performance.now() + 60_000, WARM_CALLS);
  await v.flush();
  await sleep(100);
  globalThis.gc?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const calls = await loop(t0 + ms);
  const wall = performance.now() - t0;
  await v.flush();
  const cpu = process.cpuUsage(cpu0);
  await v.shutdown();
  process.send({ type: 'result', variant, calls, callsPerSec: (calls * 1000) / wall, cpuUsPerCall: (cpu.user + cpu.system) / calls });
  setTimeout(() => process.exit(0), 50).unref();
}

async function main() {
  const { startReceiverProcess, waitUntilStable } = await import('../lib/receiver.mjs');
  const rounds = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const ms = quick ? 1000 : 4000;
  const variants = ['bare', 'sdk', 'unexported', 'instrumented', 'provider'];
  const receiver = await startReceiverProcess();
  const samples = Object.fromEntries(variants.map((v) => [v, { rate: [], cpu: [], delivered: [], sent: [] }]));
  try {
    for (let r = 0; r < rounds; r++) {
      for (const variant of rotate(variants, r)) {
        const before = await receiver.counts();
        const res = await runNodeChild(self, ['--worker', '--variant', variant, '--http-url', receiver.httpUrl, '--grpc-url', receiver.grpcUrl, '--ms', String(ms)], { timeoutMs: 120_000 });
        samples[variant].rate.push(res.callsPerSec);
        samples[variant].cpu.push(res.cpuUsPerCall);
        if (variant === 'instrumented' || variant === 'provider') {
          // One SERVER span per measured call (plus warm-up and session spans, so at least that many).
          const after = await waitUntilStable(receiver, 'spans', before.spans + res.calls);
          samples[variant].delivered.push(after.spans - before.spans);
          samples[variant].sent.push(res.calls);
        }
      }
    }
  } finally {
    await receiver.stop();
  }
  const med = (v, k) => median(samples[v][k]);
  const sum = (v, k) => samples[v][k].reduce((a, b) => a + b, 0);
  // The OTel SDK's own price (mostly the async-hooks context manager on every promise the MCP SDK
  // makes) is paid by any traced process; the instrumentation's cost is what it adds on top.
  const cost = (v) => med(v, 'cpu') - med('sdk', 'cpu');
  const best = Math.min(cost('instrumented'), cost('provider'));
  const label = {
    bare: 'bare server, no OpenTelemetry',
    sdk: 'bare server, OTel SDK set up by hand (context manager, W3C propagator, providers exporting)',
    unexported: 'instrumented, spans made but not exported (the instrumentation\'s own work)',
    instrumented: 'instrumented, OTel SDK by hand exporting OTLP/HTTP (batch span processor)',
    provider: 'instrumented, this project\'s OpenTelemetry provider exporting OTLP/HTTP',
  };
  const rows = [];
  for (const v of variants) rows.push({ label: `${label[v]} — tool calls/s`, median: round(med(v, 'rate')), ratio: round(med(v, 'rate') / med('bare', 'rate')) });
  for (const v of variants) rows.push({ label: `${label[v]} — CPU µs/call (client + server)`, median: round(med(v, 'cpu')), ratio: round(med(v, 'cpu') / med('bare', 'cpu')) });
  for (const v of ['unexported', 'instrumented', 'provider']) rows.push({ label: `instrumentation cost over the SDK set up — ${v} — CPU µs per tools/call`, median: round(cost(v)) });
  emitResult({
    case: 'mcp-instrumentation',
    title: 'instrumentation-mcp: the same SDK v1 server bare and instrumented (tools/call over InMemoryTransport)',
    unit: 'see label',
    rows,
    target: {
      text: `${best <= 15 ? 'met' : 'MISSED'}: ${round(best)} µs of CPU per instrumented tools/call with spans exported (target ≤ 15 µs); ${round(cost('unexported'))} µs without export; SDK by hand ${round(cost('instrumented'))} µs, project provider ${round(cost('provider'))} µs`,
      met: best <= 15,
    },
    notes:
      `Medians of ${rounds} round(s) of ${ms} ms, ${CALLERS} concurrent callers, each variant in its own process. ` +
      `CPU = process user+system time over the loop and a final forceFlush, divided by calls; cost = variant minus "SDK set up". ` +
      `Spans at the receiver: SDK by hand ${sum('instrumented', 'delivered')} for ${sum('instrumented', 'sent')} measured calls, ` +
      `provider ${sum('provider', 'delivered')} for ${sum('provider', 'sent')} (warm-up and session spans included).`,
  });
}

runCase({ main, worker });
