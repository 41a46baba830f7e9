/**
 * The compose `gateway` service, run without Docker: the demo gateway's CLI with the service's
 * own command line and gateway/enkrypt_mcp_config.json (the collector address swapped for an
 * OTLP receiver on 127.0.0.1, the container paths for this checkout's), probed with the
 * service's own health check, then one tool call whose trace, log and metrics reach OTLP.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startOtlpReceiver, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { interpolate, stackPath, type JsonObject } from './helpers.ts';

const compose = parseYaml(interpolate(readFileSync(stackPath('docker-compose.yml'), 'utf8'), { GRAFANA_ADMIN_PASSWORD: 'x' }), { merge: true }) as {
  services: Record<string, JsonObject>;
};
const service = compose.services.gateway!;
const GATEWAY_DIST = stackPath('node_modules/@secure-mcp-gateway/demo-gateway/dist');
const KEY = Object.keys(JSON.parse(readFileSync(stackPath('gateway/enkrypt_mcp_config.json'), 'utf8')).apikeys as object)[0]!;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolve(p));
    });
  });
}

/** One JSON-RPC request over Streamable HTTP; the answer may come as JSON or as one SSE event. */
async function rpc(port: number, body: object, sessionId?: string): Promise<{ sessionId: string | null; message: JsonObject | undefined }> {
  const res = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      apikey: KEY,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST /mcp ${res.status}: ${text}`);
  const json = res.headers.get('content-type')?.includes('text/event-stream')
    ? text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).find(Boolean)
    : text;
  return { sessionId: res.headers.get('mcp-session-id'), message: json ? (JSON.parse(json) as JsonObject) : undefined };
}


interface Variant {
  title: string;
  /** The compose files that define the service, and the gateway config they mount. */
  configFile: string;
  /** Collector URL in that config. */
  collectorUrl: string;
  tls: boolean;
}

const VARIANTS: Variant[] = [
  { title: 'plain (docker-compose.yml)', configFile: 'gateway/enkrypt_mcp_config.json', collectorUrl: 'http://otel-collector:4317', tls: false },
  { title: 'TLS (docker-compose.tls.yml)', configFile: 'tls/enkrypt_mcp_config.tls.json', collectorUrl: 'https://otel-collector:4317', tls: true },
];

describe.each(VARIANTS)('the compose gateway service, $title, run here without Docker', (variant) => {
  let receiver: OtlpReceiver | undefined;
  let gateway: ChildProcess | undefined;
  let stderr = '';
  let port = 0;
  let traceId = '';
  const tmp = mkdtempSync(path.join(tmpdir(), 'obs-gateway-'));

  beforeAll(async () => {
    let caFile = '';
    if (variant.tls) {
      // The certificates tls/make-certs.sh makes; the receiver presents the collector's.
      const certs = path.join(tmp, 'certs');
      const made = spawnSync('bash', [stackPath('tls/make-certs.sh'), certs], { encoding: 'utf8', timeout: 15_000 });
      expect(made.status, made.stderr).toBe(0);
      caFile = path.join(certs, 'ca.crt');
      receiver = await startOtlpReceiver({ tls: { cert: path.join(certs, 'collector.crt'), key: path.join(certs, 'collector.key') } });
    } else {
      receiver = await startOtlpReceiver();
    }
    port = await freePort();
    // The service's config file, pointed at this machine.
    const config = readFileSync(stackPath(variant.configFile), 'utf8')
      .replaceAll(variant.collectorUrl, receiver.grpcUrl)
      .replaceAll('/config/certs/ca.crt', caFile)
      .replaceAll('/app/dist/', `${GATEWAY_DIST}/`)
      .replaceAll('"cwd": "/app"', `"cwd": ${JSON.stringify(path.dirname(GATEWAY_DIST))}`);
    expect(config).not.toMatch(/otel-collector|"\/app|"\/config/);
    const configFile = path.join(tmp, 'enkrypt_mcp_config.json');
    writeFileSync(configFile, config);
    // The service's command line, with the config, host and port of this machine (loopback only).
    const args = (service.command as string[]).map((arg, i, all) => {
      if (all[i - 1] === '--config') return configFile;
      if (all[i - 1] === '--host') return '127.0.0.1';
      if (all[i - 1] === '--port') return String(port);
      return arg;
    });
    gateway = spawn(process.execPath, [path.join(GATEWAY_DIST, 'cli.js'), ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // The image's WORKDIR is the deployed demo-gateway package: core finds the provider there.
      cwd: path.dirname(GATEWAY_DIST),
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(OTEL_|ENKRYPT_)/.test(k))),
    });
    gateway.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (gateway.exitCode !== null) throw new Error(`the gateway exited ${gateway.exitCode}:\n${stderr}`);
      if (Date.now() > deadline) throw new Error(`the gateway did not answer /healthz:\n${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 150));
    }
  });

  afterAll(async () => {
    if (gateway && gateway.exitCode === null) {
      const exited = new Promise((r) => gateway!.once('exit', r));
      gateway.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (gateway.exitCode === null) gateway.kill('SIGKILL');
    }
    await receiver?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('starts from its compose command line and config with OpenTelemetry telemetry active', () => {
    expect(stderr).toMatch(/telemetry: active, opentelemetry/);
  });

  it('passes its compose health check, and fails it when nothing answers', () => {
    const [kind, ...command] = (service.healthcheck as { test: string[] }).test;
    expect(kind).toBe('CMD');
    expect(command[0]).toBe('node');
    const probe = (target: string) =>
      spawnSync(process.execPath, command.slice(1).map((part) => part.replace('127.0.0.1:8000', target)), { timeout: 10_000 }).status;
    expect(probe(`127.0.0.1:${port}`)).toBe(0);
    expect(probe('127.0.0.1:1')).not.toBe(0);
  });

  it('serves a tool call whose trace, log lines of that trace and metrics reach the collector address', async () => {
    const init = await rpc(port, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'observability-stack-test', version: '0' } },
    });
    expect(init.sessionId).toBeTruthy();
    await rpc(port, { jsonrpc: '2.0', method: 'notifications/initialized' }, init.sessionId!);
    const call = await rpc(
      port,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'enkrypt_secure_call_tools', arguments: { server_name: 'demo_server', tool_calls: [{ name: 'answer', args: { question: 'lamps' } }] } },
      },
      init.sessionId!,
    );
    expect(JSON.stringify(call.message)).toMatch(/lamps/);

    // Export is batched (1 s) and metrics periodic (5 s): wait for each signal.
    const isGatewayCall = (s: { name: string; resource: Record<string, unknown> }) => s.name.startsWith('tools/call') && s.resource['service.name'] === 'secure-mcp-gateway';
    await receiver!.waitFor(() => receiver!.spans.some(isGatewayCall), 10_000);
    const span = receiver!.spans.find(isGatewayCall)!;
    await receiver!.waitFor(() => receiver!.logs.some((l) => l.traceId === span.traceId), 10_000);
    await receiver!.waitFor(() => receiver!.metrics.some((m) => m.name === 'enkrypt_tool_calls_total'), 10_000);
    // Nothing secret on the wire: the gateway key never appears in exported telemetry.
    expect(JSON.stringify([receiver!.spans, receiver!.logs, receiver!.metrics])).not.toContain(KEY);
    traceId = span.traceId;
  });

  it('has the upstream server, configured by the same file, continue that trace (service demo-upstream)', async () => {
    expect(traceId).toBeTruthy();
    const span = { traceId };
    await receiver!
      .waitFor(() => receiver!.spans.some((s) => s.resource['service.name'] === 'demo-upstream' && s.traceId === span.traceId), 10_000)
      .catch((error: Error) => {
        const seen = receiver!.spans.map((s) => `${String(s.resource['service.name'])} ${s.name} ${s.traceId}`);
        throw new Error(`${error.message}\nspans (gateway trace ${span.traceId}):\n${seen.join('\n')}\ngateway stderr:\n${stderr}`);
      });
  });
});
