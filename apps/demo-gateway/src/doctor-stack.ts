import type { CheckResult } from './doctor-checks';

/**
 * `doctor --stack`: the telemetry overview's troubleshooting checks of the observability stack
 * (deploy/observability): Loki /ready, Prometheus config and targets, the collector's Prometheus
 * exporter (:8889/metrics) and the Jaeger UI. (The collector itself is checked from the config,
 * by the provider's own probe.)
 */
export interface StackOptions {
  /** The collector's Prometheus exporter. */
  readonly collectorMetrics: string;
  readonly loki: string;
  readonly prometheus: string;
  readonly jaeger: string;
  /** Per-check timeout. */
  readonly timeoutMs: number;
}

export const DEFAULT_STACK_OPTIONS: StackOptions = {
  collectorMetrics: 'http://localhost:8889/metrics',
  loki: 'http://localhost:3100',
  prometheus: 'http://localhost:9090',
  jaeger: 'http://localhost:16686',
  timeoutMs: 2000,
};

/** A check's outcome before it gets its status (pass or fail: every stack check applies). */
type Finding = Omit<CheckResult, 'status'>;

const COMPOSE = 'docker compose -f deploy/observability/docker-compose.yml';

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
  let end = base.length;
  while (end > 0 && base[end - 1] === '/') end -= 1;
  return base.slice(0, end) + path;
}

async function checkLoki(o: StackOptions): Promise<Finding> {
  const url = join(o.loki, '/ready');
  const r = await get(url, o.timeoutMs);
  const name = 'Loki ready (/ready)';
  if ('error' in r) return { name, ok: false, detail: r.error, fix: `Start Loki (${COMPOSE} up -d loki) and check its port (3100).` };
  const ok = r.status === 200 && /ready/i.test(r.body);
  return ok
    ? { name, ok, detail: `GET ${url} → 200 ready` }
    : { name, ok, detail: `GET ${url} → ${r.status} ${r.body.trim().slice(0, 120)}`, fix: `Loki is up but not ready: wait ~15 s after start, then check \`${COMPOSE} logs loki\`. Logs reach it through the collector's otlphttp/loki exporter.` };
}

async function checkPrometheusConfig(o: StackOptions, metricsPort: string): Promise<Finding> {
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

async function checkPrometheusTargets(o: StackOptions, metricsPort: string): Promise<Finding> {
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

async function checkCollectorMetrics(o: StackOptions): Promise<Finding> {
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
    detail: series > 0 ? `GET ${o.collectorMetrics} → 200, ${series} enkrypt_* sample(s)` : `GET ${o.collectorMetrics} → 200 (no enkrypt_* samples yet: run \`secure-mcp-gateway demo --otlp URL\`)`,
  };
}

async function checkJaeger(o: StackOptions): Promise<Finding> {
  const name = 'Jaeger UI';
  const r = await get(o.jaeger, o.timeoutMs);
  if ('error' in r) return { name, ok: false, detail: r.error, fix: `Start Jaeger (${COMPOSE} up -d jaeger) and check its port (16686); traces reach it through the collector's otlp exporter.` };
  return r.status === 200
    ? { name, ok: true, detail: `GET ${o.jaeger} → 200` }
    : { name, ok: false, detail: `GET ${o.jaeger} → ${r.status}`, fix: 'Jaeger answers with an error: check `docker compose logs jaeger`.' };
}

/** Runs every stack check (concurrently) and returns them in a fixed order. */
export async function runStackChecks(options: Partial<StackOptions> = {}): Promise<CheckResult[]> {
  const o: StackOptions = { ...DEFAULT_STACK_OPTIONS, ...options };
  let metricsPort = '8889';
  try {
    metricsPort = new URL(o.collectorMetrics).port || '80';
  } catch {
    // reported by the collector-metrics check itself
  }
  const findings = await Promise.all([
    checkLoki(o),
    checkPrometheusConfig(o, metricsPort),
    checkPrometheusTargets(o, metricsPort),
    checkCollectorMetrics(o),
    checkJaeger(o),
  ]);
  return findings.map((f): CheckResult => ({ ...f, status: f.ok ? 'pass' : 'fail' }));
}
