// Case 4: resident memory of the demo gateway under the case-3 load, OpenTelemetry provider
// against telemetry disabled (and the stdout provider for reference). Fresh gateways, started
// together, loaded in alternating windows; RSS of the gateway process (/proc/PID/status VmRSS)
// sampled every 250 ms while it is under load.
import { emitResult, median, quick, rotate, round, rssOfPid, sleep } from '../lib/common.mjs';
import { EXPECTED_STATE, connectClients, gatewayBuilt, gatewayTelemetry, runLoad, startGateway, writeGatewayConfig } from '../lib/gateway.mjs';
import { startReceiverProcess } from '../lib/receiver.mjs';

const SETUPS = { disabled: 'telemetry disabled', stdout: 'stdout provider', otel: 'OpenTelemetry provider (OTLP/HTTP)' };
const CONCURRENCY = 8;

async function main() {
  if (!gatewayBuilt()) throw new Error('apps/demo-gateway/dist is missing: build it first (pnpm turbo run build)');
  const rounds = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
  const windowMs = quick ? 1000 : 5000;
  const receiver = await startReceiverProcess({ nice: 19 });
  const names = Object.keys(SETUPS);
  const gw = {};
  const res = Object.fromEntries(names.map((n) => [n, { idle: NaN, loaded: [], peak: 0 }]));
  try {
    for (const name of names) {
      const gateway = await startGateway(writeGatewayConfig(gatewayTelemetry(name, receiver)), { expect: EXPECTED_STATE[name] });
      gw[name] = { gateway };
    }
    await sleep(1000);
    for (const name of names) {
      res[name].idle = await rssOfPid(gw[name].gateway.pid);
      gw[name].pool = await connectClients(gw[name].gateway.url, CONCURRENCY);
    }
    for (let r = 0; r < rounds; r++) {
      for (const name of rotate(names, r)) {
        const { gateway, pool } = gw[name];
        const load = await runLoad(pool, { durationMs: windowMs, pid: gateway.pid });
        // Skip the first second of each window (ramp-up from idle).
        const steady = load.rss.slice(Math.min(4, Math.floor(load.rss.length / 2)));
        res[name].loaded.push(...steady);
        res[name].peak = Math.max(res[name].peak, ...load.rss.filter(Number.isFinite));
      }
    }
  } finally {
    for (const { gateway, pool } of Object.values(gw)) {
      await pool?.close();
      await gateway.stop();
    }
    await receiver.stop();
  }
  const loaded = (n) => median(res[n].loaded);
  const rows = names.map((n) => ({
    label: `${SETUPS[n]} — RSS under load (p99 column: peak)`,
    median: round(loaded(n)),
    p99: round(res[n].peak),
    ratio: round(loaded(n) / loaded('disabled')),
  }));
  for (const n of names) rows.push({ label: `${SETUPS[n]} — RSS idle after start`, median: round(res[n].idle) });
  const extra = loaded('otel') - loaded('disabled');
  const extraPeak = res.otel.peak - res.disabled.peak;
  emitResult({
    case: 'gateway-memory',
    title: 'Demo gateway resident memory under load: OpenTelemetry provider vs telemetry disabled',
    unit: 'MB',
    rows,
    target: {
      text: `OTel uses ${round(extra)} MB more RSS under load (peak: ${round(extraPeak)} MB more) than disabled (target ≤ 25 MB more)`,
      met: extra <= 25,
    },
    notes:
      `Median of RSS samples (every 250 ms, first second of each window skipped) over ${rounds} ${windowMs / 1000} s windows ` +
      `per gateway, ${CONCURRENCY} sessions, same load as gateway-throughput. The seed document quotes 50–100 MB for the OTel SDK and buffers.`,
  });
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
