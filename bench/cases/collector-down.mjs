// Case 7: the collector goes away under load. The demo gateway with the OpenTelemetry provider
// (OTLP/HTTP) serves the case-3 load continuously while the receiver is: up; stopped (killed, so
// its port refuses); back on the same port but never answering (stall); answering again.
// Per 5 s window: calls/s, p99 latency, gateway RSS. Memory must stay bounded through the outage.
import { readFile } from 'node:fs/promises';
import { emitResult, median, quick, round, sleep } from '../lib/common.mjs';
import { connectClients, gatewayBuilt, gatewayTelemetry, runLoad, startGateway, writeGatewayConfig } from '../lib/gateway.mjs';
import { startReceiverProcess } from '../lib/receiver.mjs';

const CONCURRENCY = 8;

async function main() {
  if (!gatewayBuilt()) throw new Error('apps/demo-gateway/dist is missing: build it first (pnpm turbo run build)');
  const windowMs = quick ? 1000 : 5000;
  const plan = quick
    ? { up: 1, down: 2, stall: 1, back: 1 }
    : { up: 3, down: 9, stall: 4, back: 2 }; // 18 windows x 5 s = 90 s under load
  let receiver = await startReceiverProcess({ nice: 19 });
  const ports = receiver.ports;
  const gateway = await startGateway(writeGatewayConfig(gatewayTelemetry('otel', receiver)), { expect: 'active' });
  const pool = await connectClients(gateway.url, CONCURRENCY);
  const windows = [];
  let stderrBefore = 0;
  let deliveredAfterRecovery = 0;
  try {
    await runLoad(pool, { durationMs: quick ? 500 : 2000 }); // warm-up
    const phase = async (name, count) => {
      for (let i = 0; i < count; i++) {
        const r = await runLoad(pool, { durationMs: windowMs, pid: gateway.pid });
        windows.push({ phase: name, cps: r.callsPerSec, p99: r.p99, rssMax: Math.max(...r.rss.filter(Number.isFinite)), rssMed: median(r.rss), errors: r.errors, firstError: r.firstError });
      }
    };
    await phase('up', plan.up);
    stderrBefore = (await readFile(gateway.stderrPath, 'utf8')).split('\n').length;
    receiver.kill();
    await sleep(100);
    await phase('down', plan.down);
    receiver = await startReceiverProcess({ nice: 19, ports, behaviour: 'stall' });
    await phase('stall', plan.stall);
    await receiver.setBehaviour('ok');
    const atRecovery = await receiver.counts();
    await phase('back', plan.back);
    await sleep(1500);
    const after = await receiver.counts();
    deliveredAfterRecovery = after.spans - atRecovery.spans;
  } finally {
    await pool.close();
    await gateway.stop();
    await receiver.stop();
  }
  const stderrLines = (await readFile(gateway.stderrPath, 'utf8')).split('\n').length - stderrBefore;
  const of = (p) => windows.filter((w) => w.phase === p);
  const med = (p, k) => median(of(p).map((w) => w[k]));
  const labels = { up: 'receiver up', down: 'receiver stopped (port refuses)', stall: 'receiver never answers (stall)', back: 'receiver answering again' };
  const rows = [];
  for (const p of ['up', 'down', 'stall', 'back']) {
    rows.push({ label: `${labels[p]} — calls/s (p99 column: latency ms)`, median: round(med(p, 'cps')), p99: round(med(p, 'p99')), ratio: round(med(p, 'cps') / med('up', 'cps')) });
  }
  for (const p of ['up', 'down', 'stall', 'back']) {
    rows.push({ label: `${labels[p]} — gateway RSS MB (p99 column: peak)`, median: round(med(p, 'rssMed')), p99: round(Math.max(...of(p).map((w) => w.rssMax))) });
  }
  // Bounded = it levels off: the peak of the last third of the outage is within 10 MB of the
  // peak of the middle third (the first third is the queues filling up and the heap growing).
  const outage = [...of('down'), ...of('stall')];
  const third = Math.max(1, Math.floor(outage.length / 3));
  const middlePeak = Math.max(...outage.slice(third, outage.length - third).map((w) => w.rssMax));
  const lastPeak = Math.max(...outage.slice(outage.length - third).map((w) => w.rssMax));
  const growth = Number.isFinite(middlePeak) ? lastPeak - middlePeak : lastPeak - Math.max(...outage.slice(0, third).map((w) => w.rssMax));
  const bounded = growth <= 10;
  const downRatio = med('down', 'cps') / med('up', 'cps');
  const stallRatio = med('stall', 'cps') / med('up', 'cps');
  const errors = windows.reduce((a, w) => a + w.errors, 0);
  const firstError = windows.find((w) => w.firstError)?.firstError;
  emitResult({
    case: 'collector-down',
    title: 'Collector down under load: throughput, p99 latency and memory of the gateway (OTel provider)',
    unit: 'ops/s',
    rows,
    target: {
      text:
        `memory bounded — over the ${(outage.length * windowMs) / 1000} s outage RSS levels off: peak of the last third ` +
        `${round(lastPeak)} MB, ${round(growth)} MB above the middle third (target ≤ 10 MB); peak during the outage ` +
        `${round(Math.max(...outage.map((w) => w.rssMax)) - Math.max(...of('up').map((w) => w.rssMax)))} MB above receiver-up; throughput while stopped ${round(downRatio * 100)}%, ` +
        `while stalled ${round(stallRatio * 100)}% of receiver-up (informational)`,
      met: bounded,
    },
    notes:
      `${windowMs / 1000} s windows under continuous load (${CONCURRENCY} sessions): ${plan.up} up, ${plan.down} stopped, ${plan.stall} stalled ` +
      `(a receiver back on the same port that accepts but never answers), ${plan.back} answering again; medians per phase. ` +
      `Per-window RSS peaks through the outage: ${outage.map((w) => round(w.rssMax)).join(', ')} MB. ` +
      `After recovery the receiver got ${deliveredAfterRecovery} spans. Gateway stderr lines written during the outage and after: ${stderrLines}. ` +
      (errors ? `Failed calls: ${errors} (${firstError}).` : 'No failed tool calls.'),
  });
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
