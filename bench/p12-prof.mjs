import { startReceiverProcess } from '/work/wt/issue-12-provider/bench/lib/receiver.mjs';
import { initAsGateway } from '/work/wt/issue-12-provider/bench/lib/telemetry.mjs';
const receiver = await startReceiverProcess();
const proto = process.argv[2] ?? 'otel';
const api = await import('@opentelemetry/api');
let core, tracer, metrics, log, naive;
if (proto === 'naive') {
  const { startNaiveSdk } = await import('/work/wt/issue-12-provider/bench/lib/naive-otel.mjs');
  naive = startNaiveSdk(receiver.httpUrl);
  tracer = naive.tracer;
  const m = naive.meter;
  metrics = { toolCalls: m.createCounter('a'), toolCallSuccess: m.createCounter('b'), toolCallDuration: m.createHistogram('c') };
  log = { info: (e, f) => naive.logInfo(naive.otelLogger, e, f) };
} else {
  const r = await initAsGateway(proto, receiver);
  core = r.core;
  console.error('state', r.status.state, r.status.reason);
  const { createGatewayMetrics } = await import('@secure-mcp-gateway/metrics-catalog');
  tracer = core.getTracer('gateway');
  metrics = createGatewayMetrics(core.getMeter('gateway'));
  log = core.getLogger('gateway.tools');
}
const op = (i) => tracer.startActiveSpan('tools/call echo', { kind: api.SpanKind.SERVER, attributes: { a: 'x', i } }, (span) => {
  log.info('tool_call_started', { server: 'demo', tool: 'echo', request_id: i });
  const attrs = { server: 'demo', tool: 'echo' };
  metrics.toolCalls.add(1, attrs); metrics.toolCallSuccess.add(1, attrs);
  metrics.toolCallDuration.record(0.0012, { server: 'demo', tool: 'echo', outcome: 'success' });
  log.info('tool_call_completed', { server: 'demo', tool: 'echo', duration_ms: 1.2, outcome: 'success' });
  span.end();
});
let i = 0;
const cpus = [];
for (let r = 0; r < Number(process.argv[3] ?? 5); r++) {
  const t0 = process.hrtime.bigint(); const c0 = process.cpuUsage();
  for (let k = 0; k < 2000; k++) op(i++);
  const ns = Number(process.hrtime.bigint() - t0) / 2000; const c = process.cpuUsage(c0); cpus.push(Math.round((c.user + c.system) * 1000 / 2000));
  await new Promise((res) => setImmediate(res));
}
console.error(proto, 'cpu ns/op by round', cpus.join(' '));
if (core) { console.error(JSON.stringify(core.TelemetryConfigManager.instance().bound?.stats?.())); await core.shutdownTelemetry({ timeoutMs: 3000 }); } else await naive.shutdown();
await receiver.stop();
