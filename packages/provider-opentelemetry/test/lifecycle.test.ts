// Through core's manager: a collector that is absent at start and appears later switches telemetry on.
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  flushTelemetry,
  getLogger,
  getMeter,
  getTelemetryStatus,
  getTracer,
  initTelemetry,
  shutdownTelemetry,
  getProviderStats,
} from '@secure-mcp-gateway/telemetry-core';
import { reservePort } from '@secure-mcp-gateway/otlp-test-receiver';
import opentelemetryProvider from '../src/index';
import { cleanup, readJsonLines, receiver, start, tempDir } from './helpers';

afterEach(async () => {
  vi.restoreAllMocks();
  await shutdownTelemetry({ timeoutMs: 3000 });
  await cleanup();
});

describe.each(['grpc', 'http/protobuf'] as const)('collector absent at start (%s)', (protocol) => {
  it('checkConnectivity fails fast with the endpoint and a fix named', async () => {
    const port = await reservePort();
    const { instance } = await start({ url: `http://127.0.0.1:${port}`, protocol });
    const result = await instance.checkConnectivity(1000);
    expect(result.ok).toBe(false);
    expect(result.detail).toContain(`127.0.0.1:${port}`);
    expect(result.detail).toMatch(/refused/);
    expect(result.hint).toMatch(/plugins\.telemetry\.config\.url/);
  });

  it('runs no-op with one warning, then switches on when the collector appears', async () => {
    const port = await reservePort();
    const dir = tempDir();
    const mirror = join(dir, 'mirror.jsonl');
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
      stderr.push(String(chunk));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stderr.write);

    const status = await initTelemetry({
      provider: opentelemetryProvider,
      env: { OTEL_SERVICE_NAME: 'gateway-from-env', OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=staging,team=sec' },
      installShutdownHooks: false,
      config: {
        common_mcp_gateway_config: { enkrypt_log_level: 'INFO', timeout_settings: { connectivity_timeout: 1 } },
        plugins: {
          telemetry: {
            provider: 'opentelemetry',
            config: { url: `http://127.0.0.1:${port}`, protocol, reconnect_interval_ms: 200, timeout_ms: 100, log_mirror: mirror, prometheus_port: 0 },
          },
        },
      },
    });
    expect(status.state).toBe('waiting');
    expect(status.reason).toContain(`127.0.0.1:${port}`);

    // The host carries on: telemetry calls are no-ops meanwhile.
    getTracer('app').startSpan('while absent').end();
    getLogger('app').info('while absent');
    await new Promise((resolve) => setTimeout(resolve, 700)); // a few re-checks
    expect(stderr.filter((line) => line.includes('unreachable'))).toHaveLength(1);

    const r = await receiver({ ports: protocol === 'grpc' ? { grpc: port } : { http: port } });
    await vi.waitFor(() => expect(getTelemetryStatus().state).toBe('active'), { timeout: 5000, interval: 50 });

    getTracer('app').startSpan('after appear').end();
    getLogger('app').info('after appear', { n: 1 });
    await flushTelemetry();
    await r.waitFor(() => r.spans.some((s) => s.name === 'after appear') && r.logs.some((l) => l.body === 'after appear'));
    expect(readJsonLines(mirror).some((line) => line.event === 'after appear' && line.n === 1)).toBe(true);
    // prometheus_port 0: the bound port is in the bound instance's stats()
    getMeter('app').createCounter('app_requests_total').add(1);
    const prometheusPort = getProviderStats()?.prometheusPort;
    expect(prometheusPort).toBeGreaterThan(0);
    expect(await (await fetch(`http://127.0.0.1:${prometheusPort}/metrics`)).text()).toMatch(/^app_requests_total\{[^}]*\} 1$/m);
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES reach the resource
    expect(r.spans.find((s) => s.name === 'after appear')!.resource).toMatchObject({
      'service.name': 'gateway-from-env',
      'deployment.environment': 'staging',
      team: 'sec',
      job: 'enkryptai',
    });
  });
});
