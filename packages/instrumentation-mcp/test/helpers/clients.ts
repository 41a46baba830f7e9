// Real MCP clients of both SDK majors, instrumented in one call, connected to a fixture server
// started as a child process (stdio) or over Streamable HTTP on loopback.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { instrumentClient } from '@secure-mcp-gateway/instrumentation-mcp';

export type Major = 'v1' | 'v2';
export type Kind = 'stdio' | 'http';

export const fixture = (major: Major) => fileURLToPath(new URL(`../fixtures/server-${major}.mjs`, import.meta.url));

const SAMPLED = { role: 'assistant', content: { type: 'text', text: 'hi' }, model: 'fixture-model' } as const;

/** The calls the scenario makes; the same for both client majors. */
export interface ScenarioClient {
  readonly client: any;
  readonly transport: any;
  /** `tools/call` with request options (v1 takes a result schema before them, v2 does not). */
  callTool(params: { name: string; arguments?: Record<string, unknown> }, options: object): Promise<unknown>;
  close(): Promise<void>;
}

/** Starts `server-<major>.mjs http` and resolves with its port. */
export async function startHttpServer(major: Major, env: Record<string, string>): Promise<{ port: number; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [fixture(major), 'http'], { cwd: tmpdir(), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`server-${major} exited (${code}) before listening:\n${stderr}`)));
  });
  return { port, child, stderr: () => stderr };
}

/** Stops an HTTP fixture (SIGTERM: it closes its sessions and flushes its telemetry). */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

export async function connectClient(clientMajor: Major, serverMajor: Major, _kind: Kind, env: Record<string, string>, port?: number): Promise<ScenarioClient> {
  const url = port === undefined ? undefined : new URL(`http://127.0.0.1:${port}/mcp`);
  const stdio = { command: process.execPath, args: [fixture(serverMajor), 'stdio'], cwd: tmpdir(), env: { ...(process.env as Record<string, string>), ...env }, stderr: 'inherit' as const };
  const info = { name: `client-${clientMajor}`, version: '1.0.0' };
  const capabilities = { capabilities: { sampling: {}, roots: { listChanged: true } } };
  if (clientMajor === 'v1') {
    const client = instrumentClient(new ClientV1(info, capabilities), url ? { serverUrl: url } : {});
    client.setRequestHandler(CreateMessageRequestSchema, async () => SAMPLED);
    client.setNotificationHandler(LoggingMessageNotificationSchema, () => {});
    const transport = url ? new HttpV1(url) : new StdioV1(stdio);
    await client.connect(transport);
    return { client, transport, callTool: (p, o) => client.callTool(p, undefined, o), close: () => client.close() };
  }
  const client = instrumentClient(new ClientV2(info, capabilities), url ? { serverUrl: url } : {});
  client.setRequestHandler('sampling/createMessage', async () => SAMPLED);
  client.setNotificationHandler('notifications/message', () => {});
  const transport = url ? new HttpV2(url) : new StdioV2(stdio);
  await client.connect(transport);
  return { client, transport, callTool: (p, o) => client.callTool(p, o), close: () => client.close() };
}

/**
 * Every method the SDKs support in one session, in order. Failures the scenario expects are
 * caught; anything else fails the test.
 */
export async function runScenario({ client, transport, callTool }: ScenarioClient, kind: Kind): Promise<void> {
  await client.ping();
  await client.setLoggingLevel('info');
  await client.listTools();
  await client.callTool({ name: 'echo', arguments: { text: 'hello' } });
  await client.callTool({ name: 'fail', arguments: {} });
  await client.callTool({ name: 'flagged', arguments: {} });
  await client.callTool({ name: 'no_such_tool', arguments: {} }).catch(() => {});
  await client.callTool({ name: 'ask', arguments: {} });
  await callTool({ name: 'progress', arguments: {} }, { onprogress: () => {} });
  await client.listPrompts();
  await client.getPrompt({ name: 'greet', arguments: { name: 'alice' } });
  await client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'name', value: 'a' } });
  await client.listResources();
  await client.listResourceTemplates();
  await client.readResource({ uri: 'docs://readme' });
  await client.readResource({ uri: 'items://42' });
  await client.readResource({ uri: 'fail://broken' }).catch(() => {});
  await client.readResource({ uri: 'unknown://nothing' }).catch(() => {});
  await client.sendRootsListChanged();
  const abort = new AbortController();
  const slow = callTool({ name: 'slow', arguments: {} }, { signal: abort.signal }).catch(() => {});
  // Let the request reach the server before cancelling it.
  await new Promise((resolve) => setTimeout(resolve, 150));
  abort.abort('user gave up');
  await slow;
  await new Promise((resolve) => setTimeout(resolve, 100));
  if (kind === 'http') await transport.terminateSession();
}
