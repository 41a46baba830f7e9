// Case 5: a burst of 100,000 spans, created as fast as the process can, then drained to a real
// OTLP receiver (its own process). Every span must be delivered or counted as dropped by the
// provider's stats(): delivered + droppedSpans == 100,000 (the receiver counts unique span ids).
// Drain time: from the end of the burst until the receiver holds every span that was not dropped.
// The naive SDK runs beside it for contrast (it has no public drop counter: its drops are silent).
import { fileURLToPath } from 'node:url';
import { argValue, emitResult, median, quick, rotate, round, runNodeChild, runCase, sleep } from '../lib/common.mjs';

const self = fileURLToPath(import.meta.url);
const SPANS = 100_000;

const SETUPS = {
  'otel-http': { label: 'OpenTelemetry provider, OTLP/HTTP, default queue (8192)', protocol: 'http', config: {} },
  'otel-grpc': { label: 'OpenTelemetry provider, OTLP/gRPC, default queue (8192)', protocol: 'grpc', config: {} },
  'otel-http-bigq': { label: 'OpenTelemetry provider, OTLP/HTTP, max_queue_size 131072', protocol: 'http', config: { max_queue_size: 131072 } },
  // Issue 12: gRPC delivers what HTTP delivers (several exports in flight, not one).
  'otel-grpc-bigq': { label: 'OpenTelemetry provider, OTLP/gRPC, max_queue_size 131072', protocol: 'grpc', config: { max_queue_size: 131072 } },
  naive: { label: 'naive OTel SDK by hand, OTLP/HTTP, defaults (queue 2048)', protocol: 'http' },
};

async function worker() {
  const name = argValue('setup');
  const setup = SETUPS[name];
  const httpUrl = argValue('http-url');
  const grpcUrl = argValue('grpc-url');
  let tracer, stats, flush, shutdown;
  if (name === 'naive') {
    const { startNaiveSdk } = await import('../lib/naive-otel.mjs');
    const sdk = startNaiveSdk(httpUrl);
    tracer = sdk.tracer;
    stats = () => ({});
    flush = () => sdk.forceFlush();
    shutdown = () => sdk.shutdown();
  } else {
    const { createProviderInstance } = await import('../lib/telemetry.mjs');
    const mod = await import('@secure-mcp-gateway/telemetry-provider-opentelemetry');
    const url = setup.protocol === 'grpc' ? grpcUrl : httpUrl;
    const { instance } = await createProviderInstance(mod, {
      url,
      protocol: setup.protocol === 'grpc' ? 'grpc' : 'http/protobuf',
      insecure: true,
      log_mirror: 'none',
      ...setup.config,
    });
    tracer = instance.tracer('bench.burst');
    stats = () => (instance.stats ? instance.stats() : {});
    flush = () => instance.forceFlush();
    shutdown = () => instance.shutdown();
  }
  // Warm the span path on a few spans that are not part of the burst? No: every span counts,
  // so the burst is the first 100,000 spans this tracer makes.
  const t0 = performance.now();
  for (let i = 0; i < SPANS; i++) {
    const span = tracer.startSpan('burst', { attributes: { 'bench.i': i, 'gen_ai.tool.name': 'echo' } });
    span.end();
  }
  const burstEnd = performance.timeOrigin + performance.now();
  const burstMs = performance.now() - t0;
  let flushError;
  try {
    await flush();
  } catch (err) {
    flushError = String(err?.message ?? err);
  }
  const flushMs = performance.timeOrigin + performance.now() - burstEnd;
  const s = stats();
  process.send({ type: 'stats-ready', burstEnd, burstMs, flushMs, stats: s, flushError });
  // Wait for the orchestrator's go-ahead, so shutdown cannot sneak in extra deliveries first.
  await new Promise((resolve) => process.once('message', resolve));
  const after = stats();
  await shutdown().catch(() => {});
  process.send({ type: 'result', burstMs, flushMs, stats: s, statsAfter: after, flushError });
  setTimeout(() => process.exit(0), 50).unref();
}

async function main() {
  const { startReceiverProcess, waitForCounts } = await import('../lib/receiver.mjs');
  const rounds = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const names = Object.keys(SETUPS).filter((n) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(n));
  const receiver = await startReceiverProcess({ uniqueSpans: true });
  const out = Object.fromEntries(names.map((n) => [n, { drain: [], flush: [], burst: [], delivered: [], dropped: [], silent: [], notes: [] }]));
  const errors = {};
  try {
    for (let r = 0; r < rounds; r++) {
      for (const name of rotate(names, r)) {
        if (errors[name]) continue;
        await receiver.reset();
        try {
          let drainResult;
          const res = await runNodeChild(self, ['--worker', '--setup', name, '--http-url', receiver.httpUrl, '--grpc-url', receiver.grpcUrl], {
            timeoutMs: 120_000,
            onMessage: async (msg, child) => {
              if (msg.type !== 'stats-ready') return;
              const dropped = msg.stats.droppedSpans ?? 0;
              const expected = SPANS - dropped;
              // Wait until the receiver holds every span not counted as dropped (or it stops growing).
              // (When it never gets there, drain ends at the last time the count grew.)
              const now = () => performance.timeOrigin + performance.now();
              let counts = await receiver.counts();
              let last = counts.uniqueSpans;
              let lastGrowth = now();
              const deadline = Date.now() + 30_000;
              while (counts.uniqueSpans < expected && Date.now() < deadline) {
                await sleep(20);
                counts = await receiver.counts();
                if (counts.uniqueSpans !== last) {
                  last = counts.uniqueSpans;
                  lastGrowth = now();
                } else if (now() - lastGrowth > 2000) break;
              }
              const reachedAt = counts.uniqueSpans >= expected ? now() : lastGrowth;
              counts = await waitForCounts(receiver, () => false, { timeoutMs: 0, settleMs: 300 });
              drainResult = { drainMs: reachedAt - msg.burstEnd, delivered: counts.uniqueSpans, duplicates: counts.spans - counts.uniqueSpans, dropped };
              child.send('go');
            },
          });
          const d = drainResult;
          const o = out[name];
          o.burst.push(res.burstMs);
          o.flush.push(res.flushMs);
          o.drain.push(d.drainMs);
          o.delivered.push(d.delivered);
          o.dropped.push(d.dropped);
          o.silent.push(SPANS - d.delivered - d.dropped);
          if (d.duplicates) o.notes.push(`${d.duplicates} duplicate deliveries`);
          if (res.flushError) o.notes.push(`forceFlush: ${res.flushError}`);
        } catch (err) {
          errors[name] = String(err.message ?? err).split('\n').slice(0, 3).join(' ');
          process.stderr.write(`span-burst: ${name} failed: ${err.message}\n`);
        }
      }
    }
  } finally {
    await receiver.stop();
  }

  const rows = [];
  const parts = [];
  let allAccounted = true;
  let projectMeasured = false;
  for (const name of names) {
    const o = out[name];
    if (errors[name]) {
      rows.push({ label: `${SETUPS[name].label} — drain`, median: NaN, error: errors[name] });
      if (name !== 'naive') allAccounted = false;
      continue;
    }
    const silentMax = Math.max(...o.silent);
    if (name !== 'naive') {
      projectMeasured = true;
      if (o.silent.some((x) => x !== 0)) allAccounted = false;
    }
    rows.push({ label: `${SETUPS[name].label} — drain after burst`, median: round(median(o.drain)) });
    parts.push(
      `${name}: burst ${round(median(o.burst))} ms to create, delivered ${median(o.delivered)}, counted dropped ${median(o.dropped)}, ` +
        `silent ${name === 'naive' ? `${median(o.silent)} (no public drop counter)` : silentMax === 0 ? '0 in every round' : `up to ${silentMax}`}` +
        `, forceFlush ${round(median(o.flush))} ms${o.notes.length ? ` (${[...new Set(o.notes)].join('; ')})` : ''}`,
    );
  }
  emitResult({
    case: 'span-burst',
    title: `Burst of ${SPANS.toLocaleString('en-US')} spans: delivered + counted-dropped, and time to drain`,
    unit: 'ms',
    rows,
    target: {
      text: allAccounted && projectMeasured
        ? 'zero silent drops — delivered + stats().droppedSpans == 100,000 for every provider setup, every round'
        : 'some spans were neither delivered nor counted as dropped (see notes)',
      met: allAccounted && projectMeasured,
    },
    notes: `Medians of ${rounds} round(s); spans counted by unique span id at the receiver (separate process). ${parts.join('. ')}.`,
  });
}

runCase({ main, worker });
