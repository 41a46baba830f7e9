import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callGateway, callResults } from '../src/client-helpers';
import { APP_DIR, DIST, KEY, RecordingStdioTransport, testConfig } from './helpers';

/**
 * A copy of the built gateway in a temp folder whose node_modules holds only what it
 * needs plus the stdout provider: the OpenTelemetry provider is not installed there.
 */
const root = mkdtempSync(path.join(tmpdir(), 'gateway-no-otel-'));
const app = path.join(root, 'app');
const OTEL_PROVIDER = '@secure-mcp-gateway/telemetry-provider-opentelemetry';

beforeAll(() => {
  mkdirSync(path.join(app, 'node_modules', '@secure-mcp-gateway'), { recursive: true });
  mkdirSync(path.join(app, 'node_modules', '@modelcontextprotocol'), { recursive: true });
  mkdirSync(path.join(app, 'node_modules', '@opentelemetry'), { recursive: true });
  cpSync(DIST, path.join(app, 'dist'), { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'gateway-copy', private: true, type: 'module' }));
  for (const dep of [
    '@modelcontextprotocol/sdk',
    '@opentelemetry/api',
    '@opentelemetry/instrumentation-runtime-node',
    'zod',
    '@secure-mcp-gateway/telemetry-core',
    '@secure-mcp-gateway/metrics-catalog',
    '@secure-mcp-gateway/telemetry-provider-stdout',
  ]) {
    symlinkSync(realpathSync(path.join(APP_DIR, 'node_modules', dep)), path.join(app, 'node_modules', dep), 'dir');
  }
  const config = testConfig({ provider: 'stdout', telemetry: { format: 'json' } });
  for (const server of Object.values(config.mcp_configs as Record<string, { mcp_config: { config: { args: string[] } }[] }>)[0]!.mcp_config) {
    if (server.config.args[0]?.endsWith('upstream-server.js')) server.config.args = [path.join(app, 'dist', 'upstream-server.js')];
  }
  writeFileSync(path.join(app, 'enkrypt_mcp_config.json'), JSON.stringify(config));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function run(env: Record<string, string>): Promise<{ transport: RecordingStdioTransport; ok: boolean }> {
  const transport = new RecordingStdioTransport(
    process.execPath,
    [path.join(app, 'dist', 'cli.js'), '--transport', 'stdio', '--config', path.join(app, 'enkrypt_mcp_config.json')],
    { PATH: process.env.PATH, HOME: process.env.HOME, ENKRYPT_GATEWAY_KEY: KEY, ...env },
    app,
  );
  const client = new Client({ name: 'discovery-test', version: '0.1.0' });
  await client.connect(transport);
  const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'answer', args: { question: 'widgets' } }] });
  await client.close();
  for (const line of transport.stdoutLines) JSONRPCMessageSchema.parse(JSON.parse(line));
  expect(transport.unterminatedStdout(), 'stdout ended with an unterminated line').toBe('');
  return { transport, ok: callResults(call)[0]?.status === 'success' };
}

describe('provider discovery at run time', () => {
  it('the built gateway imports no provider package statically', () => {
    for (const file of readdirSync(DIST).filter((f) => f.endsWith('.js'))) {
      const code = readFileSync(path.join(DIST, file), 'utf8');
      expect(code, file).not.toMatch(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']@secure-mcp-gateway\/telemetry-provider-/);
    }
  });

  it('runs on the stdout provider where the OpenTelemetry provider is not installed', async () => {
    // (checked in a plain Node process: the test runner's own resolution is not the gateway's)
    const probe = execFileSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(OTEL_PROVIDER)}).then(() => console.log('found'), (e) => console.log(e.code))`], { cwd: app, encoding: 'utf8' });
    expect(probe.trim()).toBe('ERR_MODULE_NOT_FOUND');
    const { transport, ok } = await run({});
    expect(ok).toBe(true);
    // the stdout provider was found and is writing (to stderr: stdout is the MCP channel)
    expect(transport.stderr()).toMatch(/"event":"tool_call"/);
  });

  it('falls back to no-op with one clear warning when the configured provider is missing, and still serves', async () => {
    const { transport, ok } = await run({ ENKRYPT_TELEMETRY_PROVIDER: 'opentelemetry' });
    expect(ok).toBe(true);
    const stderr = transport.stderr();
    expect(stderr).toContain(OTEL_PROVIDER);
    expect(stderr).not.toMatch(/"event":"tool_call"/);
  });
});
