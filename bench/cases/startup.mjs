// Case 6: start-up. Each setup in a fresh process: how long initTelemetry() takes (provider
// discovery, import, create, connectivity check) and the time from process start to telemetry
// ready. The connectivity check against a refused port must come back at once; against a
// black-holed port (a loopback listener whose accept queue is full, so SYNs go unanswered) and a
// receiver that never answers ("stall") it must be bounded by connectivity_timeout.
import { fileURLToPath } from 'node:url';
import { argValue, emitResult, median, quick, refusedPort, rotate, round, runCase, runNodeChild } from '../lib/common.mjs';

const self = fileURLToPath(import.meta.url);
const TIMEOUT_S = 2; // connectivity_timeout, the design's default

const SETUPS = {
  disabled: 'telemetry disabled (no-op)',
  stdout: 'stdout provider',
  'otel-http': 'OpenTelemetry provider, receiver up (OTLP/HTTP)',
  'otel-grpc': 'OpenTelemetry provider, receiver up (OTLP/gRPC)',
  refused: 'OpenTelemetry provider, port refused',
  blackhole: `OpenTelemetry provider, black-holed port (timeout ${TIMEOUT_S} s)`,
  stalled: `OpenTelemetry provider, receiver that never answers (timeout ${TIMEOUT_S} s)`,
};

async function worker() {
  const setup = argValue('setup');
  const url = argValue('url');
  const protocol = argValue('protocol');
  const tImport0 = performance.now();
  const core = await import('@secure-mcp-gateway/telemetry-core');
  const { gatewayConfig } = await import('../lib/telemetry.mjs');
  const tImported = performance.now();
  const telemetry =
    setup === 'disabled'
      ? { provider: 'stdout', config: { enabled: false } }
      : setup === 'stdout'
        ? { provider: 'stdout', config: {} }
        : { provider: 'opentelemetry', config: { url, protocol, insecure: true, log_mirror: 'none' } };
  const t0 = performance.now();
  const status = await core.initTelemetry({
    config: gatewayConfig(telemetry.provider, telemetry.config, { connectivityTimeoutS: TIMEOUT_S }),
    env: {},
    cwd: process.cwd(),
    installShutdownHooks: false,
  });
  const tReady = performance.now();
  await core.shutdownTelemetry({ timeoutMs: 3000 }).catch(() => {});
  // The connectivity check on its own (provider already imported): what the backend's state costs.
  let check;
  if (telemetry.provider === 'opentelemetry') {
    const { createProviderInstance } = await import('../lib/telemetry.mjs');
    const mod = await import('@secure-mcp-gateway/telemetry-provider-opentelemetry');
    const { instance } = await createProviderInstance(mod, telemetry.config);
    const c0 = performance.now();
    const r = await instance.checkConnectivity?.(TIMEOUT_S * 1000);
    check = { ms: performance.now() - c0, ok: r?.ok, detail: r?.detail };
    await instance.shutdown().catch(() => {});
  }
  process.send({
    check,
    type: 'result',
    initMs: tReady - t0,
    importCoreMs: tImported - tImport0,
    processToReadyMs: tReady, // performance.now() counts from process start
    state: status.state,
    reason: status.reason,
  });
  setTimeout(() => process.exit(0), 50).unref();
}

async function main() {
  const { startReceiverProcess } = await import('../lib/receiver.mjs');
  const { startBlackhole } = await import('../lib/blackhole.mjs');
  const rounds = quick ? 1 : Number(process.env.BENCH_ROUNDS ?? 4);
  const receiver = await startReceiverProcess();
  const stalled = await startReceiverProcess();
  await stalled.setBehaviour('stall');
  const blackhole = await startBlackhole();
  const refused = await refusedPort();
  const target = {
    disabled: {}, stdout: {},
    'otel-http': { url: receiver.httpUrl, protocol: 'http/protobuf' },
    'otel-grpc': { url: receiver.grpcUrl, protocol: 'grpc' },
    refused: { url: `http://127.0.0.1:${refused}`, protocol: 'http/protobuf' },
    blackhole: { url: `http://127.0.0.1:${blackhole.port}`, protocol: 'http/protobuf' },
    stalled: { url: stalled.httpUrl, protocol: 'http/protobuf' },
  };
  const names = Object.keys(SETUPS);
  const res = Object.fromEntries(names.map((n) => [n, { init: [], ready: [], check: [], checkOk: new Set(), details: new Set(), states: new Set(), reasons: new Set() }]));
  const errors = {};
  try {
    for (let r = 0; r < rounds; r++) {
      for (const name of rotate(names, r)) {
        if (errors[name]) continue;
        const t = target[name];
        const args = ['--worker', '--setup', name, ...(t.url ? ['--url', t.url, '--protocol', t.protocol] : [])];
        try {
          const out = await runNodeChild(self, args, { timeoutMs: 60_000 });
          res[name].init.push(out.initMs);
          res[name].ready.push(out.processToReadyMs);
          res[name].states.add(out.state);
          if (out.check) {
            res[name].check.push(out.check.ms);
            res[name].checkOk.add(out.check.ok);
            if (out.check.detail) res[name].details.add(out.check.detail.slice(0, 140));
          }
          if (out.reason) res[name].reasons.add(out.reason.split('\n')[0].slice(0, 160));
        } catch (err) {
          errors[name] = String(err.message ?? err).split('\n').slice(0, 3).join(' ');
          process.stderr.write(`startup: ${name} failed: ${err.message}\n`);
        }
      }
    }
  } finally {
    blackhole.close();
    await Promise.all([receiver.stop(), stalled.stop()]);
  }

  const rows = [];
  for (const name of names) {
    const o = res[name];
    rows.push({
      label: `${SETUPS[name]} — initTelemetry() [state ${[...o.states].join('/') || '?'}]`,
      median: round(median(o.init)),
      ...(errors[name] ? { error: errors[name] } : {}),
    });
  }
  for (const name of names) {
    if (errors[name]) continue;
    rows.push({ label: `${SETUPS[name]} — process start to ready`, median: round(median(res[name].ready)) });
  }
  for (const name of names) {
    if (errors[name] || res[name].check.length === 0) continue;
    rows.push({ label: `${SETUPS[name]} — checkConnectivity() alone [ok ${[...res[name].checkOk].join('/')}]`, median: round(median(res[name].check)) });
  }
  const timeoutMs = TIMEOUT_S * 1000;
  const m = (n) => median(res[n].init);
  const notActive = (n) => res[n].states.size > 0 && !res[n].states.has('active');
  const c = (n) => median(res[n].check);
  const checks = [
    { ok: c('refused') <= 100 && notActive('refused'), text: `refused port: check ${round(c('refused'))} ms, init ${round(m('refused'))} ms vs ${round(m('otel-http'))} ms with the receiver up, falls back to ${[...res.refused.states].join('/')} (target: check immediate, ≤ 100 ms)` },
    { ok: c('blackhole') <= timeoutMs + 200 && m('blackhole') <= m('otel-http') + timeoutMs + 200 && notActive('blackhole'), text: `black-holed port: check ${round(c('blackhole'))} ms, init ${round(m('blackhole'))} ms (target: bounded by the ${timeoutMs} ms timeout, + 200 ms)` },
    { ok: c('stalled') <= timeoutMs + 200 && m('stalled') <= m('otel-http') + timeoutMs + 200, text: `never-answering receiver: check ${round(c('stalled'))} ms, init ${round(m('stalled'))} ms (target: bounded by the timeout)` },
  ];
  const reasons = names
    .filter((n) => res[n].reasons.size)
    .map((n) => `${n}: "${[...res[n].reasons][0]}"`)
    .join('; ');
  const details = names
    .filter((n) => res[n].details.size)
    .map((n) => `${n}: "${[...res[n].details][0]}"`)
    .join('; ');
  emitResult({
    case: 'startup',
    title: 'Start-up: time to ready per provider, and the connectivity check when the backend is refused or black-holed',
    unit: 'ms',
    rows,
    target: { text: checks.map((c) => `${c.ok ? 'met' : 'MISSED'}: ${c.text}`).join('; '), met: checks.every((c) => c.ok) },
    notes:
      `Medians of ${rounds} fresh process(es) per setup; connectivity_timeout ${TIMEOUT_S} s. initTelemetry() includes provider ` +
      `discovery and import; checkConnectivity() alone is timed on a second provider instance in the same process. ` +
      `Warnings seen: ${reasons || 'none'}. Check details: ${details || 'none'}.` +
      (Object.keys(errors).length ? ` Failed: ${Object.entries(errors).map(([k, e]) => `${k}: ${e}`).join('; ')}` : ''),
  });
}

runCase({ main, worker });
