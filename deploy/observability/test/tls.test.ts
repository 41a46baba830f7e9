/**
 * The TLS variant: tls/make-certs.sh makes a CA and a collector certificate that a gateway
 * configured as tls/enkrypt_mcp_config.tls.json (insecure: false, ca) accepts, over a real
 * TLS OTLP/gRPC connection to a receiver presenting that certificate.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flushTelemetry, getTracer, initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import openTelemetryProvider from '@secure-mcp-gateway/telemetry-provider-opentelemetry';
import { startOtlpReceiver, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { at, stackPath, type JsonObject } from './helpers.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'obs-tls-'));
const certs = path.join(tmp, 'certs');
const otherCerts = path.join(tmp, 'other');
let receiver: OtlpReceiver | undefined;

function makeCerts(dir: string, env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const r = spawnSync('bash', [stackPath('tls/make-certs.sh'), dir], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 15_000 });
  return { status: r.status, stderr: r.stderr };
}

function x509(file: string, ...args: string[]): string {
  return execFileSync('openssl', ['x509', '-in', file, '-noout', ...args], { encoding: 'utf8' });
}

/** A TLS handshake as a client that trusts `caFile` and asks for `servername`. */
function handshake(port: number, caFile: string, servername: string): Promise<{ authorized: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(caFile), servername, ALPNProtocols: ['h2'] }, () => {
      resolve({ authorized: socket.authorized });
      socket.end();
    });
    socket.once('error', (error) => resolve({ authorized: false, error: error.message }));
  });
}

beforeAll(async () => {
  const made = makeCerts(certs);
  expect(made.status, made.stderr).toBe(0);
  expect(makeCerts(otherCerts).status).toBe(0);
  receiver = await startOtlpReceiver({ tls: { cert: path.join(certs, 'collector.crt'), key: path.join(certs, 'collector.key') } });
});

afterAll(async () => {
  await shutdownTelemetry({ timeoutMs: 3_000 });
  await receiver?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('tls/make-certs.sh', () => {
  it('writes a CA, a collector server certificate and a gateway client certificate that chain to it', () => {
    for (const f of ['ca.crt', 'ca.key', 'collector.crt', 'collector.key', 'gateway.crt', 'gateway.key']) expect(existsSync(path.join(certs, f)), f).toBe(true);
    const verify = execFileSync('openssl', ['verify', '-CAfile', path.join(certs, 'ca.crt'), path.join(certs, 'collector.crt'), path.join(certs, 'gateway.crt')], {
      encoding: 'utf8',
    });
    expect(verify).toMatch(/collector\.crt: OK/);
    expect(verify).toMatch(/gateway\.crt: OK/);
  });

  it('names the collector as compose, the host and loopback reach it, for server auth only', () => {
    const text = x509(path.join(certs, 'collector.crt'), '-text');
    expect(text).toMatch(/DNS:otel-collector/);
    expect(text).toMatch(/DNS:localhost/);
    expect(text).toMatch(/IP Address:127\.0\.0\.1/);
    expect(text).toMatch(/TLS Web Server Authentication/);
    expect(x509(path.join(certs, 'gateway.crt'), '-text')).toMatch(/TLS Web Client Authentication/);
  });

  it('refuses to overwrite an existing CA unless FORCE=1', () => {
    const again = makeCerts(certs);
    expect(again.status).not.toBe(0);
    expect(again.stderr).toMatch(/FORCE=1/);
    const before = readFileSync(path.join(otherCerts, 'ca.crt'), 'utf8');
    expect(makeCerts(otherCerts, { FORCE: '1' }).status).toBe(0);
    expect(readFileSync(path.join(otherCerts, 'ca.crt'), 'utf8')).not.toBe(before);
  });
});

describe('a gateway with insecure: false and the dev CA', () => {
  it('completes a verified TLS handshake with the collector certificate, and refuses another CA', async () => {
    const port = Number(new URL(receiver!.grpcUrl).port);
    expect(await handshake(port, path.join(certs, 'ca.crt'), 'otel-collector')).toEqual({ authorized: true });
    expect(await handshake(port, path.join(certs, 'ca.crt'), 'localhost')).toEqual({ authorized: true });
    const wrong = await handshake(port, path.join(otherCerts, 'ca.crt'), 'otel-collector');
    expect(wrong.authorized).toBe(false);
    expect(wrong.error).toMatch(/certificate/i);
  });

  it('exports spans over OTLP/gRPC with TLS, configured as tls/enkrypt_mcp_config.tls.json', async () => {
    const config = JSON.parse(readFileSync(stackPath('tls/enkrypt_mcp_config.tls.json'), 'utf8')) as JsonObject;
    const telemetry = at(config, 'plugins', 'telemetry', 'config') as JsonObject;
    expect(telemetry.insecure).toBe(false);
    // Same file, pointed at this machine: the receiver instead of the compose service, the CA from the script.
    telemetry.url = String(telemetry.url).replace('otel-collector:4317', `127.0.0.1:${new URL(receiver!.grpcUrl).port}`);
    telemetry.ca = path.join(certs, 'ca.crt');
    telemetry.log_mirror = 'none';
    const status = await initTelemetry({ provider: openTelemetryProvider, config, env: {}, installShutdownHooks: false });
    expect(status.state, status.reason).toBe('active');
    expect(status.settings).toMatchObject({ insecure: false, url: expect.stringMatching(/^https:\/\/127\.0\.0\.1:/) });

    getTracer('observability-stack-tls-test').startActiveSpan('tls check', (span) => span.end());
    await flushTelemetry({ timeoutMs: 5_000 });
    await receiver!.waitFor(() => receiver!.spans.some((s) => s.name === 'tls check'), 8_000);
    expect(receiver!.requests.some((r) => r.signal === 'traces' && r.transport === 'grpc')).toBe(true);
  });
});
