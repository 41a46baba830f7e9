// The connectivity check proves the protocol with a real, empty OTLP export; a mismatch is found
// at start, with what answered and the key to set. All against the real OTLP test receiver.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getTelemetryStatus, initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { createTestCertificates, type TestCertificates } from '@secure-mcp-gateway/otlp-test-receiver';
import opentelemetryProvider from '../src/index';
import { cleanup, receiver, start, startFromConfig } from './helpers';

let certs: TestCertificates;
beforeAll(() => {
  certs = createTestCertificates();
});
afterAll(() => certs.cleanup());
afterEach(async () => {
  vi.restoreAllMocks();
  await shutdownTelemetry({ timeoutMs: 3000 });
  await cleanup();
});

describe('a protocol mismatch is found at start', () => {
  it('an OTLP/HTTP collector addressed as gRPC: not active, one warning naming the URL, what answered and the key', async () => {
    const r = await receiver();
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown) => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write);
    const status = await initTelemetry({
      provider: opentelemetryProvider,
      env: {},
      installShutdownHooks: false,
      config: { plugins: { telemetry: { provider: 'opentelemetry', config: { url: r.httpUrl, protocol: 'grpc', log_mirror: 'none' } } } },
    });
    expect(status.state).not.toBe('active');
    const warnings = stderr.filter((line) => line.includes('WARNING'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(r.httpUrl);
    expect(warnings[0]).toContain(`OTLP/HTTP empty export to POST ${r.httpUrl}/v1/traces answered OK`);
    expect(warnings[0]).toContain('Set plugins.telemetry.config.protocol to "http/protobuf"');
    // What was sent there was a real OTLP export: the receiver saw the probe's HTTP request.
    expect(r.requests.some((q) => q.transport === 'http' && q.signal === 'traces')).toBe(true);
    expect(getTelemetryStatus().state).not.toBe('active');
  });

  it('an OTLP/gRPC collector addressed as OTLP/HTTP names the gRPC answer and the environment variable that set the protocol', async () => {
    const r = await receiver();
    const { instance } = await startFromConfig({ url: r.grpcUrl }, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' });
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`the collector there speaks OTLP/gRPC, not OTLP/HTTP`);
    expect(check.hint).toBe('Set OTEL_EXPORTER_OTLP_PROTOCOL to "grpc".');
  });

  it('a wrong path: the 404 is reported with the URL that works', async () => {
    const r = await receiver();
    const { instance } = await start({ url: `${r.httpUrl}/otlp/wrong`, protocol: 'http/protobuf' });
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`${r.httpUrl}/otlp/wrong/v1/traces`);
    expect(check.detail).toMatch(/Not Found/);
    expect(check.detail).toContain('the path is wrong');
    expect(check.hint).toBe(`Set plugins.telemetry.config.url to ${r.httpUrl}.`);
  });

  it.each(['grpc', 'http/protobuf'] as const)('TLS configured, the collector speaks plain (%s): says it answers without TLS', async (protocol) => {
    const r = await receiver();
    const url = (protocol === 'grpc' ? r.grpcUrl : r.httpUrl).replace('http://', 'https://');
    const { instance } = await start({ url, protocol });
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(false);
    expect(check.detail).toMatch(/TLS handshake with .* wrong version number/);
    expect(check.detail).toContain('answered OK without TLS');
    expect(check.hint).toContain('Set plugins.telemetry.config.insecure to true');
  });

  it.each(['grpc', 'http/protobuf'] as const)('plain configured, the collector speaks TLS (%s): says it speaks TLS', async (protocol) => {
    const r = await receiver({ tls: { cert: certs.serverCertPath, key: certs.serverKeyPath } });
    const url = (protocol === 'grpc' ? r.grpcUrl : r.httpUrl).replace('https://', 'http://');
    const { instance } = await start({ url, protocol, insecure: true });
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('speaks TLS');
    expect(check.hint).toContain('Set plugins.telemetry.config.insecure to false');
  });
});

describe('no protocol given', () => {
  it.each(['http', 'grpc'] as const)('a port other than 4317/4318 is probed both ways; the %s answer is reported and used', async (kind) => {
    const r = await receiver();
    const url = kind === 'grpc' ? r.grpcUrl : r.httpUrl;
    const { instance, warnings } = await start({ url, protocol: undefined });
    expect(instance.endpoint?.protocol).toBeUndefined();
    const check = await instance.checkConnectivity(2000);
    const expected = kind === 'grpc' ? 'grpc' : 'http/protobuf';
    expect(check.ok).toBe(true);
    expect(check.detail).toContain(`both were tried`);
    expect(check.detail).toContain(`using ${expected}`);
    expect(instance.endpoint?.protocol).toBe(expected);
    expect(warnings.filter((w) => w.includes('both were tried'))).toHaveLength(1);
    expect(warnings.find((w) => w.includes('both were tried'))).toContain(`Set plugins.telemetry.config.protocol to \\"${expected}\\" to skip the probe`);

    instance.tracer('probe').startSpan('after detection').end();
    instance.logger('probe').info('after detection');
    await instance.forceFlush();
    await r.waitFor(() => r.spans.some((s) => s.name === 'after detection') && r.logs.some((l) => l.body === 'after detection'));
    expect(new Set(r.requests.filter((q) => q.items > 0).map((q) => q.transport))).toEqual(new Set([kind]));
  });

  it('exports that come before any check find the protocol themselves', async () => {
    const r = await receiver();
    const { instance } = await start({ url: r.httpUrl, protocol: undefined });
    instance.tracer('probe').startSpan('no check first').end();
    await instance.forceFlush();
    await r.waitFor(() => r.spans.some((s) => s.name === 'no check first'));
    expect(instance.stats()).toMatchObject({ exportedSpans: 1, failedSpans: 0 });
  });

  it('infers gRPC from :4317 and OTLP/HTTP from :4318 or a /v1/<signal> path without probing', async () => {
    const grpc = await start({ url: 'http://127.0.0.1:4317', protocol: undefined });
    expect(grpc.instance.endpoint?.protocol).toBe('grpc');
    const http = await start({ url: 'http://127.0.0.1:4318', protocol: undefined });
    expect(http.instance.endpoint?.protocol).toBe('http/protobuf');
    const path = await start({ url: 'http://127.0.0.1:9/v1/traces', protocol: undefined });
    expect(path.instance.endpoint?.protocol).toBe('http/protobuf');
  });
});
