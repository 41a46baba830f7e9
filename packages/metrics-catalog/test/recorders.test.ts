import { afterEach, describe, expect, it } from 'vitest';
import { DiagLogLevel, diag } from '@opentelemetry/api';
import type { DiagLogger } from '@opentelemetry/api';
import { DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData, MetricData } from '@opentelemetry/sdk-metrics';
import { GATEWAY_METRIC_DEFINITIONS, METRIC_DEFINITIONS, createGatewayMetrics } from '../src/index.ts';

// A pull reader: each collect() is one snapshot, like a Prometheus scrape.
class CollectingReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

function setup(options?: Parameters<typeof createGatewayMetrics>[1]) {
  const reader = new CollectingReader();
  const provider = new MeterProvider({ readers: [reader] });
  const metrics = createGatewayMetrics(provider.getMeter('test'), options);
  async function collect(): Promise<MetricData[]> {
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  }
  async function find(name: string): Promise<MetricData | undefined> {
    return (await collect()).find((m) => m.descriptor.name === name);
  }
  return { provider, reader, metrics, collect, find };
}


describe('createGatewayMetrics', () => {
  afterEach(() => diag.disable());

  it('creates one instrument per gateway-recorded catalog entry, with its unit, description and kind', async () => {
    const { metrics, collect } = setup();
    const m = metrics as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
    for (const def of GATEWAY_METRIC_DEFINITIONS) {
      const r = m[def.key]!;
      if (def.kind === 'histogram') r.record!(1);
      else if (def.kind === 'observableGauge') r.addCallback!((observe: (v: number) => void) => observe(1));
      else r.add!(1);
    }
    const data = await collect();
    expect(data.map((d) => d.descriptor.name).sort()).toEqual(GATEWAY_METRIC_DEFINITIONS.map((d) => d.name).sort());
    for (const def of GATEWAY_METRIC_DEFINITIONS) {
      const d = data.find((x) => x.descriptor.name === def.name)!;
      expect(d.descriptor.unit, def.name).toBe(def.unit);
      expect(d.descriptor.description, def.name).toBe(def.description);
      const expectedType = {
        counter: DataPointType.SUM,
        upDownCounter: DataPointType.SUM,
        histogram: DataPointType.HISTOGRAM,
        observableGauge: DataPointType.GAUGE,
        observableCounter: DataPointType.SUM,
      }[def.kind];
      expect(d.dataPointType, def.name).toBe(expectedType);
      if (d.dataPointType === DataPointType.SUM) {
        expect(d.isMonotonic, def.name).toBe(def.kind === 'counter');
      }
    }
  });

  it('leaves provider- and instrumentation-recorded rows to them: no second, empty instrument of that name', async () => {
    const providerRows = METRIC_DEFINITIONS.filter((d) => d.recordedIn === 'provider');
    expect(providerRows.map((d) => d.key)).toEqual(['telemetryDropped']);
    const instrumentationRows = METRIC_DEFINITIONS.filter((d) => d.recordedIn === 'instrumentation');
    expect(instrumentationRows.map((d) => d.key)).toEqual(['mcpServerSessionDuration', 'mcpClientSessionDuration']);
    // GATEWAY_METRIC_DEFINITIONS is exactly the rest, in table order.
    expect(GATEWAY_METRIC_DEFINITIONS).toEqual(METRIC_DEFINITIONS.filter((d) => d.recordedIn === 'gateway'));
    const runtimeRows = METRIC_DEFINITIONS.filter((d) => d.recordedIn === 'runtime');
    expect(GATEWAY_METRIC_DEFINITIONS.length + providerRows.length + instrumentationRows.length + runtimeRows.length).toBe(METRIC_DEFINITIONS.length);

    const { metrics, collect } = setup();
    expect(Object.keys(metrics).sort()).toEqual(GATEWAY_METRIC_DEFINITIONS.map((d) => d.key).sort());
    expect('telemetryDropped' in metrics).toBe(false);
    // Record every gateway instrument: the collection holds none of the provider's names.
    const m = metrics as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
    for (const def of GATEWAY_METRIC_DEFINITIONS) {
      const r = m[def.key]!;
      if (def.kind === 'histogram') r.record!(1);
      else if (def.kind === 'observableGauge') r.addCallback!((observe: (v: number) => void) => observe(1));
      else r.add!(1);
    }
    const names = (await collect()).map((d) => d.descriptor.name);
    for (const def of [...providerRows, ...instrumentationRows]) expect(names, def.name).not.toContain(def.name);
  });

  it('passes the catalog bucket boundaries to histograms as advice', async () => {
    const { metrics, find } = setup();
    metrics.toolCallDuration.record(0.3, { server: 's', tool: 't', outcome: 'success' });
    metrics.mcpClientOperationDuration.record(250, { 'mcp.method.name': 'tools/call' });
    const tool = (await find('enkrypt_tool_call_duration_seconds')) as HistogramMetricData;
    expect(tool.dataPoints[0]!.value.buckets.boundaries).toEqual([
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
    ]);
    const mcp = (await find('mcp.client.operation.duration')) as HistogramMetricData;
    expect(mcp.dataPoints[0]!.value.buckets.boundaries).toEqual([
      0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300,
    ]);
    // 250 s lands in the (120, 300] bucket: index 13 of 15.
    expect(mcp.dataPoints[0]!.value.buckets.counts[13]).toBe(1);
  });

  it('keeps allowed attributes and drops every other key at run time', async () => {
    const { metrics, find } = setup();
    const attrs = { server: 'github', tool: 'search', user_id: 'u-1', email: 'a@b.c' };
    // A variable (not a literal) gets past the compile-time check; the run-time guard must catch it.
    metrics.toolCalls.add(2, attrs);
    metrics.listServersCalls.add(1, { server: 'x' } as unknown as Record<string, never>);
    const calls = await find('enkrypt_tool_calls_total');
    expect(calls!.dataPoints).toHaveLength(1);
    expect(calls!.dataPoints[0]!.attributes).toEqual({ server: 'github', tool: 'search' });
    expect(calls!.dataPoints[0]!.value).toBe(2);
    const list = await find('enkrypt_list_all_servers_calls');
    expect(list!.dataPoints[0]!.attributes).toEqual({});
    // The caller's object is not mutated.
    expect(attrs).toEqual({ server: 'github', tool: 'search', user_id: 'u-1', email: 'a@b.c' });
  });

  it('filters gauge observations too', async () => {
    const { metrics, find } = setup();
    metrics.activeSessions.addCallback((observe) =>
      observe(4, { transport: 'http', session_id: 'abc' } as { transport: string }),
    );
    const g = await find('enkrypt_active_sessions');
    expect(g!.dataPoints.map((p) => p.attributes)).toEqual([{ transport: 'http' }]);
  });

  it('reports a dropped key once per (instrument, key) via diag.debug and the option, never the value', async () => {
    const lines: string[] = [];
    const logger: DiagLogger = {
      debug: (m: string) => lines.push(m),
      info: () => {},
      warn: () => {},
      error: () => {},
      verbose: () => {},
    };
    diag.setLogger(logger, DiagLogLevel.DEBUG);
    const dropped: [string, string][] = [];
    const { metrics } = setup({ onDroppedAttribute: (i, k) => dropped.push([i, k]) });
    const bad = { server: 's', tool: 't', user_id: 'secret-user-42' };
    for (let i = 0; i < 5; i++) metrics.toolCalls.add(1, bad);
    metrics.toolCallSuccess.add(1, bad);
    const worse = { ...bad, request_id: 'r' };
    metrics.toolCalls.add(1, worse);
    expect(dropped).toEqual([
      ['enkrypt_tool_calls_total', 'user_id'],
      ['enkrypt_tool_call_success_total', 'user_id'],
      ['enkrypt_tool_calls_total', 'request_id'],
    ]);
    const ours = lines.filter((l) => l.includes('metrics-catalog'));
    expect(ours).toHaveLength(3);
    expect(ours[0]).toContain('"user_id"');
    expect(ours[0]).toContain('enkrypt_tool_calls_total');
    expect(ours.join('\n')).not.toContain('secret-user-42');
  });

  it('gauges read live state and stop when the remover is called', async () => {
    const { metrics, find } = setup();
    const sessions = new Map<string, 'stdio' | 'http'>([['a', 'http'], ['b', 'http'], ['c', 'stdio']]);
    let calls = 0;
    const stop = metrics.activeSessions.addCallback((observe) => {
      calls++;
      const counts = { stdio: 0, http: 0 };
      for (const t of sessions.values()) counts[t]++;
      observe(counts.stdio, { transport: 'stdio' });
      observe(counts.http, { transport: 'http' });
    });
    const values = async () =>
      Object.fromEntries((await find('enkrypt_active_sessions'))!.dataPoints.map((p) => [p.attributes.transport, p.value]));
    expect(await values()).toEqual({ stdio: 1, http: 2 });
    sessions.delete('a');
    expect(await values()).toEqual({ stdio: 1, http: 1 });
    expect(calls).toBe(2);
    stop();
    stop(); // idempotent
    await find('enkrypt_active_sessions');
    expect(calls).toBe(2);
  });

  it('up-down counter goes down', async () => {
    const { metrics, find } = setup();
    metrics.timeoutActiveOperations.add(1, { operation: 'tool_call' });
    metrics.timeoutActiveOperations.add(1, { operation: 'tool_call' });
    metrics.timeoutActiveOperations.add(-1, { operation: 'tool_call' });
    expect((await find('enkrypt_timeout_active_operations'))!.dataPoints[0]!.value).toBe(1);
  });
});
