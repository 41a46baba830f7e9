import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, describe, expect, it } from 'vitest';
import { callGateway, callResults } from '../src/client-helpers';
import { UPSTREAM_TRACE_META_KEY } from '../src/gateway';
import { APP_DIR, CLI, KEY, RecordingStdioTransport } from './helpers';
import { testConfig } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'gateway-stdio-'));
const configPath = path.join(dir, 'enkrypt_mcp_config.json');
// The stdout provider with its default destination (stdout): on the stdio transport core
// tells it stdout is reserved, so its lines must land on stderr.
writeFileSync(configPath, JSON.stringify(testConfig({ provider: 'stdout', telemetry: { format: 'json' } })));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function startGateway(key: string | undefined): Promise<{ client: Client; transport: RecordingStdioTransport }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
  if (key !== undefined) env.ENKRYPT_GATEWAY_KEY = key;
  const transport = new RecordingStdioTransport(process.execPath, [CLI, '--transport', 'stdio', '--config', configPath], env, APP_DIR);
  const client = new Client({ name: 'stdio-test', version: '0.1.0' });
  await client.connect(transport);
  return { client, transport };
}

function expectOnlyJsonRpc(transport: RecordingStdioTransport): void {
  const lines = transport.stdoutLines;
  expect(lines.length).toBeGreaterThan(0);
  expect(transport.unterminatedStdout(), 'stdout ended with an unterminated line').toBe('');
  for (const line of lines) {
    expect(() => JSONRPCMessageSchema.parse(JSON.parse(line)), `stdout line is not JSON-RPC: ${line.slice(0, 200)}`).not.toThrow();
  }
}

describe('MCP over stdio (child process, stdout provider on)', () => {
  it('serves the tools with JSON-RPC only on stdout and JSON log lines with trace ids on stderr', async () => {
    const { client, transport } = await startGateway(KEY);
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('enkrypt_secure_call_tools');

    const list = await callGateway(client, 'enkrypt_list_all_servers');
    expect((list.body?.servers as { server_name: string }[]).map((s) => s.server_name)).toContain('demo_server');

    const pii = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'lookup_customer', args: { customer_id: '9' } }] });
    const result = callResults(pii)[0]!;
    expect(result.status, JSON.stringify(result)).toBe('success');
    expect(JSON.stringify(result.content)).toContain('[REDACTED_EMAIL]');
    expect(JSON.stringify(result.content)).not.toContain('jane.doe@example.com');
    // one trace id from the client, through the stdio gateway, to the upstream
    expect((result.upstream_meta as Record<string, { trace_id: string }>)[UPSTREAM_TRACE_META_KEY]!.trace_id).toBe(pii.traceId);

    const blocked = await callGateway(client, 'enkrypt_secure_call_tools', {
      server_name: 'demo_server',
      tool_calls: [{ name: 'answer', args: { question: 'please DROP TABLE users' } }],
    });
    expect(callResults(blocked)[0]).toMatchObject({ status: 'blocked', error_type: 'input_keyword_detector' });
    await client.close();

    expectOnlyJsonRpc(transport);
    const logs = transport
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const toolLog = logs.find((l) => l.event === 'tool_call' && l.tool === 'lookup_customer');
    expect(toolLog).toMatchObject({ server: 'demo_server', outcome: 'success', trace_id: pii.traceId });
    expect(logs.find((l) => l.event === 'tool_call' && l.outcome === 'blocked')).toMatchObject({ trace_id: blocked.traceId });
    const stderr = transport.stderr();
    expect(stderr).not.toContain(KEY);
    expect(stderr).not.toContain('DROP TABLE');
    expect(stderr).not.toContain('jane.doe@example.com');
  });

  it('answers a bad or missing key with a clear MCP error and keeps serving', async () => {
    for (const [key, pattern] of [['wrong-key', /not recognised/], [undefined, /no gateway key; set the ENKRYPT_GATEWAY_KEY/]] as const) {
      const { client, transport } = await startGateway(key);
      const first = await callGateway(client, 'enkrypt_list_all_servers');
      expect(first.error?.code).toBe(-32600);
      expect(first.error?.message).toMatch(pattern);
      const again = await callGateway(client, 'enkrypt_get_cache_status');
      expect(again.error?.message).toMatch(/Unauthorized/);
      expect(await client.listTools()).toBeTruthy();
      await client.close();
      expectOnlyJsonRpc(transport);
      expect(transport.stderr()).not.toContain('wrong-key');
    }
  });

  it('the stdout check sees a final line written without a newline', async () => {
    const script = 'process.stdout.write(JSON.stringify({ jsonrpc: "2.0", method: "notifications/x" }) + "\\n" + "stray log text")';
    const transport = new RecordingStdioTransport(process.execPath, ['-e', script], { PATH: process.env.PATH });
    await transport.start();
    await transport.close();
    expect(transport.stdoutLines).toHaveLength(1);
    expect(transport.unterminatedStdout()).toBe('stray log text');
  });
});
