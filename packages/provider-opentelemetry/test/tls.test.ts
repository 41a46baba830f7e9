// TLS with a CA made here, mTLS with a client certificate, and a wrong CA refused clearly.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates, type OtlpReceiver, type TestCertificates } from '@secure-mcp-gateway/otlp-test-receiver';
import { cleanup, receiver, start } from './helpers';

let certs: TestCertificates;
beforeAll(() => {
  certs = createTestCertificates();
});
afterAll(() => certs.cleanup());

afterEach(cleanup);

function tlsReceiver(requireClientCert = false): Promise<OtlpReceiver> {
  return receiver({ tls: { cert: certs.serverCertPath, key: certs.serverKeyPath, ca: certs.caCertPath, requireClientCert } });
}

describe.each(['http/protobuf', 'grpc'] as const)('TLS over %s', (protocol) => {
  const urlOf = (r: OtlpReceiver) => (protocol === 'grpc' ? r.grpcUrl : r.httpUrl).replace('https://', 'http://');

  it('exports over TLS to a collector whose certificate chains to the configured CA', async () => {
    const r = await tlsReceiver();
    // an http:// URL with insecure: false is dialled over TLS
    const { instance } = await start({ url: urlOf(r), protocol, insecure: false, tls: { ca: certs.caCertPath } });
    expect(instance.endpoint?.secure).toBe(true);
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(true);
    instance.tracer('tls').startSpan('over tls').end();
    instance.logger('tls').info('over tls');
    await instance.forceFlush();
    await r.waitFor(() => r.spans.some((s) => s.name === 'over tls') && r.logs.some((l) => l.body === 'over tls'));
  });

  it('exports over mTLS with a client certificate and key', async () => {
    const r = await tlsReceiver(true);
    const { instance } = await start({
      url: urlOf(r),
      protocol,
      insecure: false,
      tls: { ca: certs.caCertPath, cert: certs.clientCertPath, key: certs.clientKeyPath },
    });
    expect((await instance.checkConnectivity(2000)).ok).toBe(true);
    instance.tracer('mtls').startSpan('over mtls').end();
    await instance.forceFlush();
    await r.waitFor(() => r.spans.some((s) => s.name === 'over mtls'));
  });

  it('without the client certificate the mTLS collector refuses the export; it is counted and reported', async () => {
    const r = await tlsReceiver(true);
    const { instance, warnings } = await start({ url: urlOf(r), protocol, insecure: false, tls: { ca: certs.caCertPath } }, { export_timeout_ms: 1500 });
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(false);
    expect(check.hint).toMatch(/plugins\.telemetry\.config\.cert and key/);
    instance.tracer('mtls').startSpan('no client cert').end();
    await instance.forceFlush();
    expect(r.spans).toEqual([]);
    expect(instance.stats().failedSpans).toBe(1);
    await expect.poll(() => warnings.some((w) => w.includes('OTLP export failed') && w.includes('127.0.0.1')), { timeout: 5000 }).toBe(true);
  });

  it('a server certificate from another CA is refused with a clear error naming the endpoint and the ca setting', async () => {
    const r = await tlsReceiver();
    const { instance, warnings } = await start({ url: urlOf(r), protocol, insecure: false, tls: { ca: certs.otherCaCertPath } }, { export_timeout_ms: 1500 });
    const check = await instance.checkConnectivity(2000);
    expect(check.ok).toBe(false);
    expect(check.detail).toContain(`127.0.0.1:${protocol === 'grpc' ? r.grpcPort : r.httpPort}`);
    expect(check.detail).toMatch(/TLS/);
    expect(check.detail).toMatch(/certificate/i);
    expect(check.hint).toContain('plugins.telemetry.config.ca');

    instance.tracer('tls').startSpan('untrusted').end();
    await instance.forceFlush();
    expect(r.spans).toEqual([]);
    expect(instance.stats().failedSpans).toBe(1);
    // the export failure is reported with the TLS cause, on gRPC too (where the call itself only times out)
    await expect.poll(() => warnings.find((w) => w.includes('OTLP export failed')), { timeout: 5000 }).toMatch(/certificate/i);
  });
});

it('rejects unreadable TLS files and half an mTLS pair with errors naming the setting', async () => {
  await expect(start({ url: 'http://127.0.0.1:4317', insecure: false, tls: { ca: '/nonexistent/ca.pem' } })).rejects.toThrow(
    /cannot read the TLS ca file \/nonexistent\/ca\.pem \(plugins\.telemetry\.config\.ca\)/,
  );
  await expect(start({ url: 'http://127.0.0.1:4317', insecure: false, tls: { cert: certs.clientCertPath } })).rejects.toThrow(
    /mTLS needs both plugins\.telemetry\.config\.cert and plugins\.telemetry\.config\.key/,
  );
});
