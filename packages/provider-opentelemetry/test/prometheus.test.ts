// The Prometheus scrape endpoint, for users without a collector.
import { existsSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { reservePort } from '@secure-mcp-gateway/otlp-test-receiver';
import { cleanup, start, tempDir } from './helpers';

afterEach(cleanup);

it('serves metrics for Prometheus on prometheus_port (0 = a free port, reported by prometheusPort and stats())', async () => {
  // No collector at all: the OTLP endpoint is a closed port.
  const { instance } = await start({ url: `http://127.0.0.1:${await reservePort()}`, prometheusPort: 0 }, { shutdown_timeout_ms: 1000 });
  expect(instance.prometheusPort).toBeGreaterThan(0);
  expect(instance.stats().prometheusPort).toBe(instance.prometheusPort);

  const meter = instance.meter('gateway');
  meter.createCounter('enkrypt_tool_calls_total', { description: 'Tool calls' }).add(3, { server: 'github', tool: 'echo' });
  meter
    .createHistogram('enkrypt_tool_call_duration_seconds', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1, 10] } })
    .record(0.5, { server: 'github' });

  const response = await fetch(`http://127.0.0.1:${instance.prometheusPort}/metrics`);
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toMatch(/^enkrypt_tool_calls_total\{server="github",tool="echo"[^}]*\} 3$/m);
  expect(text).toMatch(/^enkrypt_tool_call_duration_seconds_bucket\{server="github"[^}]*,le="1"\} 1$/m);
  expect(text).toMatch(/^enkrypt_tool_call_duration_seconds_bucket\{server="github"[^}]*,le="0.1"\} 0$/m);
  expect(text).toMatch(/^target_info\{.*service_name="otel-provider-test"/m);

  expect((await fetch(`http://127.0.0.1:${instance.prometheusPort}/other`)).status).toBe(404);
  await instance.shutdown();
  await expect(fetch(`http://127.0.0.1:${instance.prometheusPort}/metrics`)).rejects.toThrow();
});

/** This process's open file descriptors that point at `file` (Linux /proc). */
function openDescriptorsOf(file: string): string[] {
  const target = realpathSync(file);
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === target;
    } catch {
      return false; // closed meanwhile
    }
  });
}

it.skipIf(!existsSync('/proc/self/fd'))(
  'an occupied prometheus_port fails create with the port named, and leaves the log mirror file closed',
  async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const logFile = join(tempDir(), 'mirror.jsonl');
      // The probe sees the mirror's descriptor while an instance holds it...
      const ok = await start({ url: 'http://127.0.0.1:4317' }, { log_mirror: logFile, shutdown_timeout_ms: 1000 });
      expect(openDescriptorsOf(logFile)).toHaveLength(1);
      await ok.instance.shutdown();
      expect(openDescriptorsOf(logFile)).toEqual([]);

      // ...and none is left behind when create fails at the Prometheus step, after opening it.
      await expect(
        start({ url: 'http://127.0.0.1:4317', prometheusPort: port }, { log_mirror: logFile, shutdown_timeout_ms: 1000 }),
      ).rejects.toThrow(
        new RegExp(
          `cannot serve Prometheus metrics on 127\\.0\\.0\\.1:${port} \\(plugins\\.telemetry\\.config\\.prometheus_port\\): EADDRINUSE; the port is in use`,
        ),
      );
      expect(existsSync(logFile)).toBe(true);
      expect(openDescriptorsOf(logFile)).toEqual([]);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  },
);

it('caps the series per instrument at metric_cardinality_limit', async () => {
  const { instance } = await start({ url: 'http://127.0.0.1:4317', prometheusPort: 0 }, { metric_cardinality_limit: 5, shutdown_timeout_ms: 1000 });
  const counter = instance.meter('gateway').createCounter('cardinality_test_total');
  for (let i = 0; i < 50; i += 1) counter.add(1, { user: `u${i}` });
  const text = await (await fetch(`http://127.0.0.1:${instance.prometheusPort}/metrics`)).text();
  const series = text.split('\n').filter((line) => line.startsWith('cardinality_test_total{'));
  expect(series.length).toBeLessThanOrEqual(5);
  expect(series.some((line) => line.includes('otel_metric_overflow="true"'))).toBe(true);
});

it('with otlp_export: false it needs no collector: always reachable, metrics only on /metrics, logs only on the mirror', async () => {
  const { instance, readLogs, warnings } = await start({ url: 'http://127.0.0.1:1', prometheusPort: 0 }, { otlp_export: false });
  expect((await instance.checkConnectivity(500)).ok).toBe(true);
  instance.meter('gateway').createCounter('enkrypt_auth_success_total').add(1, { transport: 'http' });
  let traceId = '';
  instance.tracer('gateway').startActiveSpan('auth', (span) => {
    traceId = span.spanContext().traceId;
    instance.logger('gateway.auth').info('authenticated');
    span.end();
  });
  const text = await (await fetch(`http://127.0.0.1:${instance.prometheusPort}/metrics`)).text();
  expect(text).toMatch(/^enkrypt_auth_success_total\{transport="http"[^}]*\} 1$/m);
  expect(readLogs().find((l) => l.event === 'authenticated')?.trace_id).toBe(traceId);
  await instance.shutdown();
  expect(warnings).toEqual([]);
  expect(instance.stats()).toMatchObject({ failedExports: 0, droppedSpans: 0 });
});
