/**
 * A real Prometheus (Debian's /usr/bin/prometheus) scrapes a gateway's metrics: core's
 * initTelemetry with the OpenTelemetry provider serving its own Prometheus endpoint
 * (`prometheus_port`), every catalog instrument recorded through createGatewayMetrics.
 * The catalog's alert rules are loaded too, so they are evaluated against real series.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayMetrics, METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { flushTelemetry, getMeter, initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import openTelemetryProvider from '@secure-mcp-gateway/telemetry-provider-opentelemetry';
import { startOtlpReceiver, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { listFiles, readYaml, stackPath } from './helpers.ts';
import { collectorPrometheusName, unitAfterTransforms } from './prometheus-names.ts';

const PROMETHEUS = process.env.PROMETHEUS ?? '/usr/bin/prometheus';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 12_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

interface Sample { metric: Record<string, string>; value: [number, string] }

let receiver: OtlpReceiver | undefined;
let prometheus: ChildProcess | undefined;
let prometheusLog = '';
let apiBase = '';
let gatewayPort = 0;
const tmp = mkdtempSync(path.join(tmpdir(), 'obs-prometheus-'));
const stopGauges: (() => void)[] = [];

async function query(expr: string): Promise<Sample[]> {
  const res = await fetch(`${apiBase}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; error?: string; data: { resultType: string; result: Sample[] } };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
  return body.data.result;
}

/** The single value of an instant query, once Prometheus has scraped it. */
async function valueOf(expr: string): Promise<number> {
  const samples = await waitFor(expr, async () => {
    const result = await query(expr);
    return result.length > 0 ? result : undefined;
  });
  expect(samples, expr).toHaveLength(1);
  return Number(samples[0]!.value[1]);
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  gatewayPort = await freePort();
  const status = await initTelemetry({
    provider: openTelemetryProvider,
    config: {
      common_mcp_gateway_config: { enkrypt_log_level: 'WARNING' },
      plugins: {
        telemetry: {
          provider: 'opentelemetry',
          config: {
            enabled: true,
            url: receiver.grpcUrl,
            insecure: true,
            service_name: 'observability-stack-test',
            prometheus_port: gatewayPort,
            log_mirror: 'none',
          },
        },
      },
    },
    env: {},
    installShutdownHooks: false,
  });
  expect(status.state, status.reason).toBe('active');

  // Every catalog instrument, recorded once (histograms: twice) with each allowed attribute set.
  const metrics = createGatewayMetrics(getMeter('observability-stack-test')) as unknown as Record<string, Record<string, (...args: unknown[]) => unknown>>;
  for (const def of METRIC_DEFINITIONS) {
    const attrs = Object.fromEntries(def.attributes.map((key) => [key, 'x']));
    const recorder = metrics[def.key]!;
    if (def.kind === 'counter' || def.kind === 'upDownCounter') recorder.add!(1, attrs);
    else if (def.kind === 'histogram') {
      recorder.record!(0.2, attrs);
      recorder.record!(0.3, attrs);
    } else stopGauges.push(recorder.addCallback!((observe: (v: number, a: object) => void) => observe(1, attrs)) as () => void);
  }
  // The values the specific assertions below expect.
  metrics.toolCalls!.add!(2, { server: 'echo', tool: 'echo' });
  metrics.toolCalls!.add!(1, { server: 'echo', tool: 'add' });
  metrics.serversDiscovered!.add!(3);
  metrics.timeoutActiveOperations!.add!(2, { operation: 'discovery' });
  metrics.timeoutActiveOperations!.add!(-1, { operation: 'discovery' });
  metrics.toolCallDuration!.record!(0.02, { server: 'echo', tool: 'echo', outcome: 'success' });
  metrics.toolCallDuration!.record!(4, { server: 'echo', tool: 'echo', outcome: 'success' });
  stopGauges.push(metrics.activeSessions!.addCallback!((observe: (v: number, a: object) => void) => observe(4, { transport: 'http' })) as () => void);

  // Prometheus: 1 s scrapes of the gateway's endpoint, the catalog's rules, temp storage.
  const webPort = await freePort();
  const rulesDir = stackPath('prometheus/rules');
  const ruleGlob = (readYaml('prometheus/prometheus.yml').rule_files as string[]).map((g) => g.replace('/etc/prometheus/rules', rulesDir));
  const config = path.join(tmp, 'prometheus.yml');
  writeFileSync(
    config,
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: ruleGlob,
      scrape_configs: [{ job_name: 'gateway', static_configs: [{ targets: [`127.0.0.1:${gatewayPort}`] }] }],
    }),
  );
  prometheus = spawn(
    PROMETHEUS,
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(tmp, 'data')}`, `--web.listen-address=127.0.0.1:${webPort}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.on('error', (error) => {
    prometheusLog += `cannot start ${PROMETHEUS} (Debian package "prometheus"): ${error.message}\n`;
  });
  prometheus.stdout!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  prometheus.stderr!.on('data', (d: Buffer) => (prometheusLog += d.toString()));
  apiBase = `http://127.0.0.1:${webPort}`;
  await waitFor(`Prometheus ready on ${apiBase}`, async () => {
    if (prometheus!.exitCode !== null) throw new Error(`prometheus exited ${prometheus!.exitCode}:\n${prometheusLog}`);
    const res = await fetch(`${apiBase}/-/ready`);
    return res.ok ? true : undefined;
  });
});

afterAll(async () => {
  for (const stop of stopGauges) stop();
  if (prometheus && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r));
    prometheus.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (prometheus.exitCode === null) prometheus.kill('SIGKILL');
  }
  await shutdownTelemetry({ timeoutMs: 3_000 });
  await receiver?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a real Prometheus scraping a gateway', () => {
  it('scrapes the gateway endpoint successfully', async () => {
    const up = await valueOf('up{job="gateway"}');
    expect(up, prometheusLog).toBe(1);
  });

  it('stores every catalog instrument under its catalog Prometheus name', async () => {
    const expected = METRIC_DEFINITIONS.map((d) => (d.kind === 'histogram' ? `${d.prometheusName}_count` : d.prometheusName)).sort();
    const names = await waitFor('every catalog series', async () => {
      const res = await fetch(`${apiBase}/api/v1/label/__name__/values`);
      const body = (await res.json()) as { data: string[] };
      const present = new Set(body.data);
      return expected.every((n) => present.has(n)) ? present : undefined;
    }).catch(async (error: Error) => {
      const res = await fetch(`${apiBase}/api/v1/label/__name__/values`);
      const present = new Set(((await res.json()) as { data: string[] }).data);
      throw new Error(`${error.message}; missing: ${expected.filter((n) => !present.has(n)).join(', ')}`);
    });
    // No series outside the catalog under the gateway's prefixes (no namespace, no double suffix).
    const gatewaySeries = [...names].filter((n) => /^(enkrypt_|mcp_)/.test(n));
    const allowed = new Set(METRIC_DEFINITIONS.flatMap((d) => (d.kind === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => d.prometheusName + s) : [d.prometheusName])));
    expect(gatewaySeries.filter((n) => !allowed.has(n))).toEqual([]);
  });

  it('returns the recorded counter values per label set', async () => {
    expect(await valueOf('enkrypt_tool_calls_total{job="gateway",server="echo",tool="echo"}')).toBe(2);
    expect(await valueOf('enkrypt_tool_calls_total{job="gateway",server="echo",tool="add"}')).toBe(1);
    expect(await valueOf('sum(enkrypt_tool_calls_total{job="gateway"})')).toBe(4);
    // A counter without `_total` in its instrument name gains it.
    expect(await valueOf('enkrypt_servers_discovered_total{job="gateway"}')).toBe(4);
    expect(await valueOf('enkrypt_list_all_servers_calls_total{job="gateway"}')).toBe(1);
  });

  it('returns histogram count, sum and buckets in seconds', async () => {
    const sel = '{job="gateway",server="echo",tool="echo",outcome="success"}';
    expect(await valueOf(`enkrypt_tool_call_duration_seconds_count${sel}`)).toBe(2);
    expect(await valueOf(`enkrypt_tool_call_duration_seconds_sum${sel}`)).toBeCloseTo(4.02, 6);
    expect(await valueOf(`enkrypt_tool_call_duration_seconds_bucket{job="gateway",server="echo",tool="echo",outcome="success",le="0.025"}`)).toBe(1);
    expect(await valueOf(`enkrypt_tool_call_duration_seconds_bucket{job="gateway",server="echo",tool="echo",outcome="success",le="+Inf"}`)).toBe(2);
    // The MCP semantic-convention histogram keeps its dotted attributes as underscore labels.
    expect(await valueOf('mcp_server_operation_duration_count{job="gateway",mcp_method_name="x",gen_ai_tool_name="x"}')).toBe(2);
  });

  it('returns gauges and up-down counters at their live value', async () => {
    expect(await valueOf('enkrypt_active_sessions{job="gateway",transport="http"}')).toBe(4);
    expect(await valueOf('enkrypt_timeout_active_operations{job="gateway",operation="discovery"}')).toBe(1);
  });

  it('the same run over OTLP reaches Prometheus through the collector under the same names', async () => {
    // What the SDK really sends (name, unit, type, monotonicity), named as the stack's collector
    // config names it, must equal what the gateway's own endpoint served above: the catalog name.
    await flushTelemetry({ timeoutMs: 5_000 });
    const wanted = new Set(METRIC_DEFINITIONS.map((d) => d.name));
    await receiver!.waitFor(() => [...wanted].every((n) => receiver!.metrics.some((m) => m.name === n)), 8_000);
    const collectorConfig = readYaml('otel-collector/config.yaml');
    const namespace = String((collectorConfig.exporters as Record<string, Record<string, unknown>>).prometheus!.namespace ?? '');
    const mismatches = METRIC_DEFINITIONS.flatMap((def) => {
      const point = receiver!.metrics.find((m) => m.name === def.name)!;
      const unit = unitAfterTransforms(collectorConfig, point.name, point.unit);
      const served = collectorPrometheusName({ name: point.name, unit, type: point.type, monotonic: point.isMonotonic === true }, namespace);
      return served === def.prometheusName ? [] : [`${def.name}: collector would serve ${served}, catalog and dashboards use ${def.prometheusName}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('loads and evaluates the catalog alert rules against these series without errors', async () => {
    const expectedGroups = listFiles('prometheus/rules', (f) => /\.ya?ml$/.test(f))
      .map((f) => readYaml(f))
      .filter((doc) => Array.isArray(doc.groups))
      .flatMap((doc) => (doc.groups as { name: string }[]).map((g) => g.name))
      .sort();
    const rules = await waitFor('rule evaluation', async () => {
      const res = await fetch(`${apiBase}/api/v1/rules`);
      const body = (await res.json()) as { data: { groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] } };
      const all = body.data.groups.flatMap((g) => g.rules);
      return all.length > 0 && all.every((r) => r.health !== 'unknown') ? body.data.groups : undefined;
    });
    expect(rules.map((g) => g.name).sort()).toEqual(expectedGroups);
    const broken = rules.flatMap((g) => g.rules).filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.lastError}`);
    expect(broken).toEqual([]);
  });
});
