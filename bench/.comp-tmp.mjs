import { startReceiverProcess } from './lib/receiver.mjs';
import { initAsGateway } from './lib/telemetry.mjs';
import { startNaiveSdk } from './lib/naive-otel.mjs';
import { createGatewayMetrics } from '@secure-mcp-gateway/metrics-catalog';
import { SpanKind } from '@opentelemetry/api';
const rec = await startReceiverProcess();
const mode = process.argv[2];
let tracer, meter, logOne, m;
if (mode === 'naive') {
  const sdk = startNaiveSdk(rec.httpUrl); tracer = sdk.tracer; meter = sdk.meter;
  logOne = (i) => sdk.logInfo(sdk.otelLogger, 'tool_call_started', { server: 'demo', tool: 'echo', request_id: i });
} else {
  const { core } = await initAsGateway(mode, rec);
  tracer = core.getTracer('g'); meter = core.getMeter('g'); const L = core.getLogger('g.t');
  logOne = (i) => L.info('tool_call_started', { server: 'demo', tool: 'echo', request_id: i });
  m = createGatewayMetrics(meter);
}
const c = meter.createCounter('enkrypt_x_total'); const h = meter.createHistogram('enkrypt_y_seconds');
const attrs = (i) => ({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'echo', 'gen_ai.operation.name': 'execute_tool', 'mcp.session.id': 'sess', 'jsonrpc.request.id': String(i), 'network.transport': 'tcp' });
const parts = {
  span: (i) => tracer.startActiveSpan('tools/call echo', { kind: SpanKind.SERVER, attributes: attrs(i) }, (s) => s.end()),
  logInSpan: (i) => tracer.startActiveSpan('x', (s) => { logOne(i); s.end(); }),
  log: (i) => logOne(i),
  counterRaw: () => c.add(1, { server: 'demo', tool: 'echo' }),
  histRaw: () => h.record(0.0012, { server: 'demo', tool: 'echo', outcome: 'success' }),
  ...(m ? { counterCat: () => m.toolCalls.add(1, { server: 'demo', tool: 'echo' }), histCat: () => m.toolCallDuration.record(0.0012, { server: 'demo', tool: 'echo', outcome: 'success' }) } : {}),
};
const out = [];
for (const [k, f] of Object.entries(parts)) {
  let best = Infinity;
  for (let r = 0; r < 4; r++) {
    let i = 0; const ch = [];
    for (let c2 = 0; c2 < 150; c2++) { const s = process.hrtime.bigint(); for (let j = 0; j < 100; j++) f(i++); ch.push(Number(process.hrtime.bigint() - s) / 100); await new Promise(r => setImmediate(r)); }
    ch.sort((a, b) => a - b); best = Math.min(best, ch[ch.length >> 1]);
  }
  out.push(`${k}=${best.toFixed(0)}`);
}
console.log(mode.padEnd(8), out.join(' '));
await rec.stop(); process.exit(0);
