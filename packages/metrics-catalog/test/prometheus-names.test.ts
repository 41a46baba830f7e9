import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { METRIC_DEFINITIONS, createGatewayMetrics, findMetricDefinition, toPrometheusName } from '../src/index.ts';

// The exporter treats `port: 0` as "unset" (→ 9464), so it does not start its own server; its
// request handler is mounted on a server bound to an ephemeral loopback port instead.
let exposition = '';
let close: () => Promise<void> = async () => {};

beforeAll(async () => {
  const exporter = new PrometheusExporter({ preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  const metrics = createGatewayMetrics(provider.getMeter('secure-mcp-gateway'));
  const m = metrics as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
  for (const def of METRIC_DEFINITIONS) {
    const attrs = Object.fromEntries(def.attributes.map((k) => [k, `v_${k}`]));
    if (def.recordedIn === 'instrumentation') {
      // Registered the way instrumentation-mcp does it (its own meter, same name, unit and description).
      provider
        .getMeter('instrumentation-mcp')
        .createHistogram(def.name, { unit: def.unit, description: def.description, advice: { explicitBucketBoundaries: [...def.buckets] } })
        .record(0.2, attrs);
      continue;
    }
    if (def.recordedIn === 'provider') {
      // Registered the way the provider does it (its own meter, same name, unit and description).
      provider
        .getMeter('provider-self-monitoring')
        .createObservableCounter(def.name, { unit: def.unit, description: def.description })
        .addCallback((result) => result.observe(3, attrs));
      continue;
    }
    if (def.recordedIn === 'runtime') {
      // Registered the way the runtime instrumentation does it (its own meter, observable gauges).
      provider
        .getMeter('@opentelemetry/instrumentation-runtime-node')
        .createObservableGauge(def.name, { unit: def.unit, description: def.description })
        .addCallback((result) => result.observe(3, attrs));
      continue;
    }
    const r = m[def.key]!;
    if (def.kind === 'histogram') r.record!(0.2, attrs);
    else if (def.kind === 'observableGauge') r.addCallback!((observe: (v: number, a: object) => void) => observe(3, attrs));
    else r.add!(1, attrs);
  }
  const server = createServer((req, res) => {
    if (req.url === '/metrics') exporter.getMetricsRequestHandler(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  exposition = await res.text();
  close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await provider.shutdown();
  };
});

afterAll(() => close());

function families(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (m && m[1] !== 'target_info') out.set(m[1]!, m[2]!);
  }
  return out;
}

describe('Prometheus names (real @opentelemetry/exporter-prometheus scrape)', () => {
  it('serves exactly the names the catalog states, with the matching type', () => {
    const served = families();
    const expected = new Map<string, string>(
      METRIC_DEFINITIONS.map((d) => [
        d.prometheusName,
        { counter: 'counter', upDownCounter: 'gauge', histogram: 'histogram', observableGauge: 'gauge', observableCounter: 'counter' }[d.kind],
      ]),
    );
    expect(Object.fromEntries(served)).toEqual(Object.fromEntries(expected));
  });

  it('never doubles _total or _seconds', () => {
    for (const name of families().keys()) {
      expect(name).not.toMatch(/_total_total|_seconds_seconds/);
    }
  });

  it('labels each series with exactly its allow-listed attributes', () => {
    for (const def of METRIC_DEFINITIONS) {
      const series = def.kind === 'histogram' ? `${def.prometheusName}_count` : def.prometheusName;
      const line = exposition.split('\n').find((l) => l.startsWith(`${series}{`) || l.startsWith(`${series} `));
      expect(line, series).toBeDefined();
      const labels = [...(line!.match(/([a-zA-Z_][a-zA-Z0-9_]*)="/g) ?? [])]
        .map((l) => l.slice(0, -2))
        .filter((l) => !l.startsWith('otel_scope_'));
      expect(labels.sort(), series).toEqual(def.attributes.map((a) => a.replace(/[^a-zA-Z0-9_]/g, '_')).sort());
    }
  });

  it('histograms expose the catalog buckets', () => {
    for (const def of METRIC_DEFINITIONS) {
      if (def.kind !== 'histogram') continue;
      const les = exposition
        .split('\n')
        .filter((l) => l.startsWith(`${def.prometheusName}_bucket{`))
        .map((l) => /le="([^"]+)"/.exec(l)![1]);
      expect(les, def.name).toEqual([...def.buckets.map(String), '+Inf']);
    }
  });

  it('toPrometheusName and findMetricDefinition agree with the table', () => {
    for (const def of METRIC_DEFINITIONS) {
      expect(toPrometheusName(def.name, def.kind)).toBe(def.prometheusName);
      expect(findMetricDefinition(def.prometheusName)).toBe(def);
      expect(findMetricDefinition(def.name)).toBe(def);
      if (def.kind === 'histogram') expect(findMetricDefinition(`${def.prometheusName}_bucket`)).toBe(def);
    }
    expect(findMetricDefinition('enkrypt_tool_calls_total_bucket')).toBeUndefined();
    expect(findMetricDefinition('up')).toBeUndefined();
  });
});
