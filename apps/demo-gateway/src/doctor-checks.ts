import { connect } from 'node:net';

/**
 * The telemetry overview's troubleshooting checks, runnable against any stack:
 * collector endpoint reachable, Loki /ready, Prometheus config and targets, the
 * collector's Prometheus exporter (:8889/metrics) and the Jaeger UI.
 */
export interface DoctorOptions {
  /** OTLP endpoint the gateway exports to (plugins.telemetry.config.url). */
  readonly collector: string;
  /** The collector's Prometheus exporter. */
  readonly collectorMetrics: string;
  readonly loki: string;
  readonly prometheus: string;
  readonly jaeger: string;
  /** Per-check timeout. */
  readonly timeoutMs: number;
}

export const DEFAULT_DOCTOR_OPTIONS: DoctorOptions = {
  collector: 'http://localhost:4317',
  collectorMetrics: 'http://localhost:8889/metrics',
  loki: 'http://localhost:3100',
  prometheus: 'http://localhost:9090',
  jaeger: 'http://localhost:16686',
  timeoutMs: 2000,
};

export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** What was tried and what happened. */
  readonly detail: string;
  /** What to do about it (failures only). */
  readonly fix?: string;
}

const COMPOSE = 'docker compose -f deploy/observability/docker-compose.yml';

function tcpReachable(url: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve({ ok: false, detail: `"${url}" is not a URL` });
  }
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean, detail: string) => {
      socket.destroy();
      resolve({ ok, detail });
    };
    socket.setTimeout(timeoutMs, () => done(false, `TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
    socket.once('connect', () => done(true, `TCP connect to ${host}:${port} succeeded`));
    socket.once('error', (error: NodeJS.ErrnoException) => done(false, `TCP connect to ${host}:${port} failed (${error.code ?? error.message})`));
  });
}

async function get(url: string, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (error as Error).message);
    return { error: `GET ${url} failed (${reason})` };
  }
}

function join(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

async function checkCollector(o: DoctorOptions): Promise<CheckResult> {
  const r = await tcpReachable(o.collector, o.timeoutMs);
  return {
    name: 'OpenTelemetry Collector endpoint reachable',
    ok: r.ok,
    detail: r.detail,
    ...(r.ok ? {} : { fix: `Start the stack (${COMPOSE} up -d) and check plugins.telemetry.config.url (4317 gRPC, 4318 HTTP); with TLS set "insecure": false.` }),
  };
}

async function checkLoki(o: DoctorOptions): Promise<CheckResult> {
  const url = join(o.loki, '/ready');
  const r = await get(url, o.timeoutMs);
  const name = 'Loki ready (/ready)';
  if ('error' in r) return { name, ok: false, detail: r.error, fix: `Start Loki (${COMPOSE} up -d loki) and check its port (3100).` };
  const ok = r.status === 200 && /ready/i.test(r.body);
  return ok
    ? { name, ok, detail: `GET ${url} → 200 ready` }
    : { name, ok, detail: `GET ${url} → ${r.status} ${r.body.trim().slice(0, 120)}`, fix: `Loki is up but not ready: wait ~15 s after start, then check \`${COMPOSE} logs loki\`. Logs reach it through the collector's otlphttp/loki exporter.` };
}

async function checkPrometheusConfig(o: DoctorOptions, metricsPort: string): Promise<CheckResult> {
  const url = join(o.prometheus, '/api/v1/status/config');
  const name = 'Prometheus scrape config includes the collector';
  const r = await get(url, o.timeoutMs);
  if ('error' in r) return { name, ok: false, detail: r.error, fix: `Start Prometheus (${COMPOSE} up -d prometheus) and check its port (9090).` };
  let yaml = '';
  try {
    yaml = (JSON.parse(r.body) as { data?: { yaml?: string } }).data?.yaml ?? '';
  } catch {
    return { name, ok: false, detail: `GET ${url} → ${r.status}, not the Prometheus API`, fix: 'Point --prometheus at the Prometheus server (http://HOST:9090).' };
  }
  const ok = r.status === 200 && yaml.includes(`:${metricsPort}`);
  return ok
    ? { name, ok, detail: `scrape config has a target on port ${metricsPort}` }
    : { name, ok, detail: `no scrape target on port ${metricsPort} in the loaded config`, fix: `Add a scrape job for the collector's Prometheus exporter (e.g. targets: ["otel-collector:${metricsPort}"]) to prometheus.yml and reload Prometheus.` };
}

async function checkPrometheusTargets(o: DoctorOptions, metricsPort: string): Promise<CheckResult> {
  const url = join(o.prometheus, '/api/v1/targets');
  const name = 'Prometheus targets up';
  const r = await get(url, o.timeoutMs);
  if ('error' in r) return { name, ok: false, detail: r.error, fix: `Start Prometheus (${COMPOSE} up -d prometheus).` };
  type Target = { scrapeUrl?: string; health?: string; lastError?: string };
  let targets: Target[] = [];
  try {
    targets = (JSON.parse(r.body) as { data?: { activeTargets?: Target[] } }).data?.activeTargets ?? [];
  } catch {
    return { name, ok: false, detail: `GET ${url} → ${r.status}, not the Prometheus API`, fix: 'Point --prometheus at the Prometheus server.' };
  }
  const collector = targets.filter((t) => t.scrapeUrl?.includes(`:${metricsPort}`));
  const down = targets.filter((t) => t.health !== 'up');
  if (collector.length === 0) {
    return { name, ok: false, detail: `${targets.length} active target(s), none on port ${metricsPort}`, fix: `Add the collector (:${metricsPort}) to Prometheus' scrape config.` };
  }
  if (down.length > 0) {
    const first = down[0]!;
    return {
      name,
      ok: false,
      detail: `${down.length} of ${targets.length} target(s) down, e.g. ${first.scrapeUrl ?? '?'}: ${first.lastError ?? first.health ?? 'unknown'}`,
      fix: 'Check that the target is running and that Prometheus can resolve and reach it (same docker network).',
    };
  }
  return { name, ok: true, detail: `${targets.length} target(s) up, including ${collector[0]!.scrapeUrl}` };
}

async function checkCollectorMetrics(o: DoctorOptions): Promise<CheckResult> {
  const name = "Collector metrics endpoint (Prometheus exporter)";
  const r = await get(o.collectorMetrics, o.timeoutMs);
  if ('error' in r) {
    return { name, ok: false, detail: r.error, fix: 'Enable the collector\'s prometheus exporter (endpoint 0.0.0.0:8889) in its metrics pipeline and publish port 8889.' };
  }
  if (r.status !== 200) return { name, ok: false, detail: `GET ${o.collectorMetrics} → ${r.status}`, fix: 'The exporter answers but not with metrics: check the collector config.' };
  const series = r.body.split('\n').filter((l) => l.startsWith('enkrypt_')).length;
  return {
    name,
    ok: true,
    detail: series > 0 ? `GET ${o.collectorMetrics} → 200, ${series} enkrypt_* sample(s)` : `GET ${o.collectorMetrics} → 200 (no enkrypt_* samples yet: run \`pnpm demo -- --otlp ${o.collector}\`)`,
  };
}

async function checkJaeger(o: DoctorOptions): Promise<CheckResult> {
  const name = 'Jaeger UI';
  const r = await get(o.jaeger, o.timeoutMs);
  if ('error' in r) return { name, ok: false, detail: r.error, fix: `Start Jaeger (${COMPOSE} up -d jaeger) and check its port (16686); traces reach it through the collector's otlp exporter.` };
  return r.status === 200
    ? { name, ok: true, detail: `GET ${o.jaeger} → 200` }
    : { name, ok: false, detail: `GET ${o.jaeger} → ${r.status}`, fix: 'Jaeger answers with an error: check `docker compose logs jaeger`.' };
}

/** Runs every check (concurrently) and returns them in a fixed order. */
export async function runDoctor(options: Partial<DoctorOptions> = {}): Promise<CheckResult[]> {
  const o: DoctorOptions = { ...DEFAULT_DOCTOR_OPTIONS, ...options };
  let metricsPort = '8889';
  try {
    metricsPort = new URL(o.collectorMetrics).port || '80';
  } catch {
    // reported by the collector-metrics check itself
  }
  return Promise.all([
    checkCollector(o),
    checkLoki(o),
    checkPrometheusConfig(o, metricsPort),
    checkPrometheusTargets(o, metricsPort),
    checkCollectorMetrics(o),
    checkJaeger(o),
  ]);
}

/** Human-readable report: one line per check, the fix under each failure. */
export function formatDoctorReport(results: readonly CheckResult[]): string {
  const lines = results.map((r) => `${r.ok ? 'PASS' : 'FAIL'}  ${r.name}\n      ${r.detail}${r.fix ? `\n      fix: ${r.fix}` : ''}`);
  const failed = results.filter((r) => !r.ok).length;
  lines.push('', failed === 0 ? `All ${results.length} checks passed.` : `${failed} of ${results.length} checks failed.`);
  return lines.join('\n');
}
