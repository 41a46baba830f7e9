import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonl } from './helpers';

const run = promisify(execFile);
const packageRoot = resolve(import.meta.dirname, '..');
const gatewayRoot = resolve(packageRoot, '../../apps/demo-gateway');
const gatewayCli = join(gatewayRoot, 'dist/cli.js');
const GATEWAY_KEY = 'demo-gateway-key-4f1a9c2e7b3d';

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await run(cmd, args, { cwd, maxBuffer: 32 << 20 })).stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`, { cause: error });
  }
}

/**
 * The provider as a user gets it: packed with `pnpm pack`, installed with npm into a folder
 * beside the demo gateway, named in enkrypt_mcp_config.json. Its peers (core and the OTel API)
 * are not installed there: they resolve to the gateway's own copies, one of each per process.
 */
describe('telemetry-provider-jsonl installed from its tarball', () => {
  let dir: string;

  beforeAll(async () => {
    const base = join(gatewayRoot, '.vitest-tmp');
    mkdirSync(base, { recursive: true });
    dir = await mkdtemp(join(base, 'jsonl-'));
    const out = await sh('pnpm', ['pack', '--pack-destination', dir], packageRoot);
    const tarball = resolve(dir, out.trim().split('\n').pop()!.trim());
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'jsonl-install', private: true, dependencies: { 'telemetry-provider-jsonl': `file:${tarball}` } }),
    );
    // --legacy-peer-deps: the peers are the host's (the gateway's), not copies of our own.
    await sh('npm', ['install', '--offline', '--legacy-peer-deps', '--no-audit', '--no-fund', '--loglevel=error'], dir);
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('installs only itself (core and the OTel API come from the host)', () => {
    expect(existsSync(join(dir, 'node_modules/telemetry-provider-jsonl/dist/index.js'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/@secure-mcp-gateway'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules/@opentelemetry'))).toBe(false);
  });

  it('is loaded by name by a process using initTelemetry, which writes all three files', async () => {
    const out = join(dir, 'script-out');
    await writeFile(
      join(dir, 'script.config.json'),
      JSON.stringify({ plugins: { telemetry: { provider: 'telemetry-provider-jsonl', config: { enabled: true, directory: './script-out' } } } }),
    );
    // The script lives beside the gateway, so core resolves from the gateway's node_modules.
    await writeFile(
      join(dir, 'script.mjs'),
      `import { initTelemetry, getLogger, getTracer, getMeter, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
const status = await initTelemetry({ configPath: new URL('./script.config.json', import.meta.url).pathname, env: {}, stdoutReserved: true, installShutdownHooks: false });
getLogger('script').info('hello_jsonl', { n: 1 });
getTracer('script').startActiveSpan('parent', (p) => { getTracer('script').startSpan('child').end(); p.end(); });
getMeter('script').createCounter('script_runs_total').add(1);
await shutdownTelemetry({ timeoutMs: 3000 });
process.stderr.write(JSON.stringify(status) + '\\n');
`,
    );
    const { stdout, stderr } = await run(process.execPath, ['script.mjs'], { cwd: dir });
    expect(stdout).toBe(''); // never stdout
    expect(JSON.parse(stderr.trim().split('\n').pop()!)).toMatchObject({ state: 'active', provider: expect.stringContaining('jsonl') });
    expect(readJsonl(join(out, 'logs.jsonl'))).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'hello_jsonl', logger: 'script' })]));
    const spans = readJsonl(join(out, 'spans.jsonl'));
    const parent = spans.find((s) => s.name === 'parent');
    expect(spans.find((s) => s.name === 'child')).toMatchObject({ parent_span_id: parent?.span_id, trace_id: parent?.trace_id });
    expect(readJsonl(join(out, 'metrics.jsonl'))).toEqual([expect.objectContaining({ name: 'script_runs_total', value: 1 })]);
  });

  it('is loaded by name by the demo gateway, which writes its logs, spans and metrics there', async () => {
    expect(existsSync(gatewayCli), `${gatewayCli} (build the demo gateway first)`).toBe(true);
    const example = JSON.parse(await readFile(join(gatewayRoot, 'examples/enkrypt_mcp_config.json'), 'utf8'));
    for (const cfg of Object.values(example.mcp_configs) as { mcp_config: { config: { args: string[] } }[] }[]) {
      for (const server of cfg.mcp_config) server.config.args = [join(gatewayRoot, 'dist/upstream-server.js')];
    }
    example.plugins.telemetry = { provider: 'telemetry-provider-jsonl', config: { enabled: true, directory: './gateway-out', service_name: 'jsonl-gateway' } };
    await writeFile(join(dir, 'enkrypt_mcp_config.json'), JSON.stringify(example, null, 2));

    // MCP over stdio, newline-delimited JSON-RPC: initialize, list tools, call one, hang up.
    const child = spawn(process.execPath, [gatewayCli, '--config', join(dir, 'enkrypt_mcp_config.json'), '--transport', 'stdio'], {
      cwd: dir,
      env: { ...process.env, ENKRYPT_GATEWAY_KEY: GATEWAY_KEY },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const responses = new Map<number, Record<string, unknown>>();
    const waiters = new Map<number, () => void>();
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      let nl: number;
      while ((nl = stdout.indexOf('\n')) >= 0) {
        const line = stdout.slice(0, nl);
        stdout = stdout.slice(nl + 1);
        const msg = JSON.parse(line) as { id?: number };
        if (typeof msg.id === 'number') {
          responses.set(msg.id, msg);
          waiters.get(msg.id)?.();
        }
      }
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const request = (id: number, method: string, params: unknown): Promise<Record<string, unknown>> => {
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
      return new Promise((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no answer to ${method}; gateway stderr:\n${stderr}`)), 20_000);
        waiters.set(id, () => {
          clearTimeout(timer);
          res(responses.get(id)!);
        });
      });
    };
    const init = await request(1, 'initialize', {
      protocolVersion: '2025-06-18',
      capabilities: {},
      clientInfo: { name: 'jsonl-test', version: '1.0.0' },
    });
    expect(init.result).toBeDefined();
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');
    const listed = await request(2, 'tools/list', {});
    expect(JSON.stringify(listed.result)).toContain('enkrypt_list_all_servers');
    const called = await request(3, 'tools/call', { name: 'enkrypt_list_all_servers', arguments: {} });
    expect(called.error).toBeUndefined();
    child.stdin.end();
    expect(await exited, stderr).toBe(0);

    const out = join(dir, 'gateway-out');
    expect(readJsonl(join(out, 'logs.jsonl')).length, stderr).toBeGreaterThan(0);
    const spans = readJsonl(join(out, 'spans.jsonl'));
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining([expect.stringContaining('enkrypt_list_all_servers')]));
    expect(spans[0]).toMatchObject({ resource: { 'service.name': 'jsonl-gateway' } });
    const metrics = readJsonl(join(out, 'metrics.jsonl'));
    expect(metrics.map((m) => m.name)).toContain('enkrypt_list_all_servers_calls');
  });
});
