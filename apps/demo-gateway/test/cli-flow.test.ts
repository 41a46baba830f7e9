import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reservePort, startOtlpReceiver, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callGateway } from '../src/client-helpers';
import { closeClient, connectClient } from '../src/scenario';
import { APP_DIR, BIN, runCli } from './helpers';

/**
 * A newcomer's path, each step by the built CLI started by absolute path: `config init`, then
 * `config telemetry` pointing at a real OTLP receiver, then `serve` (a real MCP client calls it and
 * its spans reach the receiver), then `doctor` with the receiver up and down.
 */
const OTEL_PROVIDER = '@secure-mcp-gateway/telemetry-provider-opentelemetry';
const home = mkdtempSync(path.join(tmpdir(), 'cli-flow-home-'));
const dir = mkdtempSync(path.join(tmpdir(), 'cli-flow-'));
const file = path.join(dir, 'enkrypt_mcp_config.json');
const env = { HOME: home };
let receiver: OtlpReceiver;
const servers: Server[] = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // The provider installed next to the config, one of the places core looks for it.
  mkdirSync(path.join(dir, 'node_modules', '@secure-mcp-gateway'), { recursive: true });
  symlinkSync(realpathSync(path.join(APP_DIR, 'node_modules', OTEL_PROVIDER)), path.join(dir, 'node_modules', OTEL_PROVIDER), 'dir');
});

afterAll(async () => {
  await receiver.close();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  rmSync(dir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

type Json = Record<string, any>;
const readConfig = (): Json => JSON.parse(readFileSync(file, 'utf8')) as Json;

interface DoctorJson {
  ok: boolean;
  config: string | null;
  checks: { name: string; status: 'pass' | 'fail' | 'skip'; ok: boolean; detail: string; fix?: string }[];
}

async function doctorJson(extraEnv: Record<string, string> = {}, args: string[] = []): Promise<{ code: number | null; report: DoctorJson }> {
  const run = await runCli(['doctor', '--json', ...args], { env: { ...env, ENKRYPT_MCP_CONFIG: file, ...extraEnv } });
  expect(run.stderr).toBe('');
  return { code: run.code, report: JSON.parse(run.stdout) as DoctorJson };
}

const check = (report: DoctorJson, prefix: string) => report.checks.find((c) => c.name.startsWith(prefix))!;

/** `serve --transport http` from the config's folder; resolves with its URL and a stop function. */
async function serveHttp(): Promise<{ url: string; stderr: () => string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--transport', 'http', '--port', '0'], { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const match = /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(stderr);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}): ${stderr}`)));
  });
  return {
    url,
    stderr: () => stderr,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

describe('config init → config telemetry → serve → doctor', () => {
  it('config init writes a complete config once, readable by its owner only', async () => {
    const run = await runCli(['config', 'init', '--config', file], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Wrote ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const config = readConfig();
    expect(Object.keys(config)).toEqual(['admin_apikey', 'common_mcp_gateway_config', 'mcp_configs', 'projects', 'users', 'apikeys', 'plugins']);
    expect(config.plugins.telemetry).toEqual({
      provider: 'opentelemetry',
      config: { enabled: true, url: 'http://localhost:4317', insecure: true, service_name: 'secure-mcp-gateway', job_name: 'enkryptai' },
    });
    const [key] = Object.keys(config.apikeys);
    expect(key).toMatch(/^[\w-]{43}$/);
    expect(run.stdout).not.toContain(key!); // the keys stay in the file
    expect(run.stdout).not.toContain(config.admin_apikey);

    const before = readFileSync(file, 'utf8');
    const again = await runCli(['config', 'init', '--config', file, '--provider', 'stdout'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`secure-mcp-gateway: ${file} already exists; nothing was written. Pass --force to replace it, or "config telemetry" to change its telemetry block.\n`);
    expect(readFileSync(file, 'utf8')).toBe(before);

    const badUrl = await runCli(['config', 'init', '--config', path.join(dir, 'other.json'), '--url', 'localhost:4317'], { env });
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr.split('\n')[0]).toMatch(/^secure-mcp-gateway: option --url: expected an http:\/\/ or https:\/\/ URL/);
    expect(() => statSync(path.join(dir, 'other.json'))).toThrow();

    // The default place is the Python gateway's, ~/.enkrypt/enkrypt_mcp_config.json.
    const inHome = await runCli(['config', 'init', '--provider', 'stdout'], { env });
    expect(inHome.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(home, '.enkrypt', 'enkrypt_mcp_config.json'), 'utf8')).plugins.telemetry.provider).toBe('stdout');
    const forced = await runCli(['config', 'init', '--force', '--enabled', 'false'], { env });
    expect(forced.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(home, '.enkrypt', 'enkrypt_mcp_config.json'), 'utf8')).plugins.telemetry.config.enabled).toBe(false);
  });

  it('config telemetry edits the file in place, validates first, and keeps everything else', async () => {
    const before = readConfig();
    const text = readFileSync(file, 'utf8');
    const bad = await runCli(['config', 'telemetry', '--config', file, '--url', 'http://receiver'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe(`secure-mcp-gateway: not written, ${file} would be invalid: option --url: URL "http://receiver" has no port (expected e.g. http://receiver:4317)`);
    expect(readFileSync(file, 'utf8')).toBe(text);

    const run = await runCli(['config', 'telemetry', '--config', file, '--url', receiver.grpcUrl, '--protocol', 'grpc'], { env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(`Updated ${file}\n  plugins.telemetry.config.url = "${receiver.grpcUrl}"\n  plugins.telemetry.config.protocol = "grpc"\n`);
    const after = readConfig();
    expect(after).toEqual({ ...before, plugins: { ...before.plugins, telemetry: { ...before.plugins.telemetry, config: { ...before.plugins.telemetry.config, url: receiver.grpcUrl, protocol: 'grpc' } } } });
    // Only the telemetry lines changed, and the new key took its neighbours' indentation.
    const changed = readFileSync(file, 'utf8').split('\n').filter((line) => !text.split('\n').includes(line));
    expect(changed).toEqual([`        "url": "${receiver.grpcUrl}",`, '        "job_name": "enkryptai",', '        "protocol": "grpc"']);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const show = await runCli(['config', 'telemetry'], { env: { ...env, ENKRYPT_MCP_CONFIG: file } });
    expect(JSON.parse(show.stdout.slice(show.stdout.indexOf('\n') + 1))).toEqual(after.plugins.telemetry);
  });

  it('serve: a real MCP client is served and the spans reach the receiver', async () => {
    const gateway = await serveHttp(); // config found as ./enkrypt_mcp_config.json
    const [key] = Object.keys(readConfig().apikeys);
    try {
      expect(gateway.stderr()).toContain('(telemetry: active, opentelemetry)');
      const client = await connectClient(gateway.url, key);
      const list = await callGateway(client, 'enkrypt_list_all_servers');
      expect((list.body?.servers as { server_name: string }[]).map((s) => s.server_name)).toEqual(['demo_server']);
      await closeClient(client);
    } finally {
      expect(await gateway.stop()).toBe(143);
    }
    const span = receiver.spans.find((s) => s.name === 'tools/call enkrypt_list_all_servers');
    expect(span).toMatchObject({ kind: 'SERVER', resource: expect.objectContaining({ 'service.name': 'secure-mcp-gateway' }) });
    expect(gateway.stderr()).not.toContain(key!);
  });

  it('doctor passes with the collector up, and fails with the fix when it is gone', async () => {
    const up = await doctorJson();
    expect(up.code).toBe(0);
    expect(up.report.ok).toBe(true);
    expect(up.report.config).toBe(file);
    expect(up.report.checks.map((c) => [c.name, c.status])).toEqual([
      ['Config file', 'pass'],
      ['Telemetry provider', 'pass'],
      ['Prometheus port', 'skip'],
      [`Telemetry backend (${receiver.grpcUrl})`, 'pass'],
      ['Upstream server "demo_server"', 'pass'],
    ]);
    expect(check(up.report, 'Config file').detail).toBe(`${file} (from $ENKRYPT_MCP_CONFIG): valid; 1 upstream server(s), 1 gateway key(s).`);
    expect(check(up.report, 'Telemetry provider').detail).toMatch(/^"opentelemetry" loads: opentelemetry \d+\.\d+\.\d+/);

    const text = await runCli(['doctor', '--config', file], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^secure-mcp-gateway doctor: .*\n\nPASS {2}Config file\n/);
    expect(text.stdout).toContain('All 4 checks passed (1 skipped).');

    const url = receiver.grpcUrl;
    await receiver.close();
    const down = await doctorJson({}, ['--timeout', '1000']);
    expect(down.code).toBe(1);
    expect(down.report.ok).toBe(false);
    const backend = check(down.report, 'Telemetry backend');
    expect(backend).toMatchObject({ status: 'fail', ok: false, detail: expect.stringContaining(new URL(url).host) });
    expect(backend.fix).toMatch(/collector|url/i);
    receiver = await startOtlpReceiver({ ports: { grpc: Number(new URL(url).port) } }); // for afterAll and later tests
  });

  it('doctor: a provider the gateway cannot load, a missing upstream command, telemetry disabled', async () => {
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'cli-flow-bare-'));
    try {
      // The same config where no provider is installed, doctor started from `/`: the gateway would not find it either.
      const bare = path.join(elsewhere, 'enkrypt_mcp_config.json');
      const config = readConfig();
      const servers = Object.values(config.mcp_configs as Record<string, { mcp_config: Json[] }>)[0]!.mcp_config;
      servers.push({ ...structuredClone(servers[0]!), server_name: 'ghost', config: { command: 'no-such-command-4821', args: [], env: {} } });
      servers.push({ ...structuredClone(servers[0]!), server_name: 'lost_script', config: { command: 'node', args: ['./missing-server.js'], env: {} } });
      writeFileSync(bare, JSON.stringify(config, null, 2));
      const { code, report } = await doctorJson({ ENKRYPT_MCP_CONFIG: bare });
      expect(code).toBe(1);
      const provider = check(report, 'Telemetry provider');
      expect(provider.status).toBe('fail');
      expect(provider.detail).toContain(`${OTEL_PROVIDER} from ${elsewhere}; ${OTEL_PROVIDER} from /`);
      expect(provider.fix).toContain(`next to the config (${elsewhere}) or in the working directory the gateway starts in (/)`);
      expect(check(report, 'Upstream server "ghost"')).toMatchObject({ status: 'fail', detail: 'command "no-such-command-4821" not found on PATH.' });
      expect(check(report, 'Upstream server "lost_script"')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`script ${path.join(elsewhere, 'missing-server.js')} does not exist`) });
      expect(check(report, 'Upstream server "demo_server"').status).toBe('pass');

      const disabled = await doctorJson({ ENKRYPT_MCP_CONFIG: bare, OTEL_SDK_DISABLED: 'true' });
      expect(check(disabled.report, 'Telemetry provider')).toMatchObject({ status: 'skip', detail: expect.stringContaining('telemetry is disabled (OTEL_SDK_DISABLED=true)') });
      expect(disabled.report.checks.some((c) => c.name.startsWith('Telemetry backend'))).toBe(false);

      const badEnv = await doctorJson({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http' });
      expect(badEnv.code).toBe(1);
      expect(check(badEnv.report, 'Telemetry settings')).toMatchObject({ status: 'fail', detail: expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL: expected one of "grpc", "http/protobuf", "http/json", got "http"') });
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('doctor: the Prometheus port free, held by something else, or served by a running gateway', async () => {
    const setPort = (port: number) => {
      const config = readConfig();
      config.plugins.telemetry.config.prometheus_port = port;
      writeFileSync(file, JSON.stringify(config, null, 2));
    };
    const free = await reservePort();
    setPort(free);
    expect(check((await doctorJson()).report, 'Prometheus port')).toMatchObject({ status: 'pass', detail: `127.0.0.1:${free} is free: the gateway can serve /metrics there.` });

    const other = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>not metrics</html>'));
    servers.push(other);
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const held = (other.address() as AddressInfo).port;
    setPort(held);
    const heldReport = (await doctorJson()).report;
    expect(check(heldReport, 'Prometheus port')).toMatchObject({ status: 'fail', detail: `127.0.0.1:${held} is in use by something that is not a Prometheus endpoint (GET http://127.0.0.1:${held}/metrics → 200).` });
    expect(check(heldReport, 'Prometheus port').fix).toContain('0 for any free port');

    setPort(free);
    const gateway = await serveHttp();
    try {
      const serving = await doctorJson();
      expect(check(serving.report, 'Prometheus port')).toMatchObject({ status: 'pass', detail: expect.stringContaining(`127.0.0.1:${free} is in use and serves Prometheus metrics`) });
      expect(serving.code).toBe(0);
    } finally {
      await gateway.stop();
    }
  });
});
