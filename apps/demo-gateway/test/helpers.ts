import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { type JSONRPCMessage, JSONRPCMessageSchema } from '@modelcontextprotocol/sdk/types.js';

export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(APP_DIR, 'dist');
export const UPSTREAM = path.join(DIST, 'upstream-server.js');
export const CLI = path.join(DIST, 'cli.js');
export const EXAMPLE_CONFIG = path.join(APP_DIR, 'examples', 'enkrypt_mcp_config.json');
export const KEY = 'test-gateway-key-7d2c';
export const USER = 'user-1';

if (!existsSync(UPSTREAM) || !existsSync(CLI)) {
  throw new Error(`Build the app first (pnpm turbo run build --filter=@secure-mcp-gateway/demo-gateway...): ${DIST} is missing`);
}

/**
 * The example config's shape with an absolute upstream path, plus servers for the faults:
 * `tight_server` (0.5 s budget), `ghost_server` (its command does not exist) and
 * `dying_server` (exits before answering initialize).
 */
export function testConfig(options: { provider?: string; telemetry?: Record<string, unknown> } = {}): Record<string, any> {
  const example = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, any>;
  const configId = Object.keys(example.mcp_configs)[0]!;
  const demo = example.mcp_configs[configId].mcp_config[0];
  demo.config.args = [UPSTREAM];
  const tight = { ...structuredClone(demo), server_name: 'tight_server', tool_timeout: 0.5 };
  const ghost = { ...structuredClone(demo), server_name: 'ghost_server', config: { command: 'definitely-not-a-command-4821', args: [], env: {} } };
  const dying = { ...structuredClone(demo), server_name: 'dying_server', config: { command: process.execPath, args: ['-e', 'process.stderr.write("boom: missing DATABASE_URL\\n"); process.exit(1)'], env: {} } };
  example.mcp_configs[configId].mcp_config = [demo, tight, ghost, dying];
  const projectId = Object.keys(example.projects)[0]!;
  example.projects[projectId].users = [USER];
  example.users = { [USER]: { email: 'someone@example.com' } };
  example.apikeys = { [KEY]: { project_id: projectId, user_id: USER } };
  example.plugins.telemetry = { provider: options.provider ?? 'stdout', config: { ...example.plugins.telemetry.config, ...options.telemetry } };
  example.common_mcp_gateway_config.timeout_settings.discovery_timeout = 5;
  return example;
}

/**
 * A stdio client transport that spawns the gateway itself so the test sees every raw
 * line the gateway writes to stdout (StdioClientTransport hides them).
 */
export class RecordingStdioTransport implements Transport {
  readonly stdoutLines: string[] = [];
  readonly stderrChunks: string[] = [];
  child?: ChildProcessWithoutNullStreams;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  private buffer = '';
  private stdoutClosed?: Promise<void>;

  constructor(private readonly command: string, private readonly args: string[], private readonly env: NodeJS.ProcessEnv, private readonly cwd?: string) {}

  async start(): Promise<void> {
    const child = spawn(this.command, this.args, { env: this.env, cwd: this.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    child.stderr.on('data', (chunk: Buffer) => this.stderrChunks.push(chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString('utf8');
      let index: number;
      while ((index = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, index).replace(/\r$/, '');
        this.buffer = this.buffer.slice(index + 1);
        this.stdoutLines.push(line);
        try {
          this.onmessage?.(JSONRPCMessageSchema.parse(JSON.parse(line)));
        } catch (error) {
          this.onerror?.(error as Error);
        }
      }
    });
    // 'close' comes after stdout ended, so the buffer then holds any final unterminated line.
    this.stdoutClosed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.on('close', () => this.onclose?.());
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', reject);
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    this.child?.stdin.write(`${JSON.stringify(message)}\n`);
  }

  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await this.stdoutClosed;
  }

  /**
   * What the child wrote to stdout after its last newline (empty when clean). Any byte here
   * is a stray write to the MCP channel that the line checks would otherwise miss.
   * Meaningful once the transport is closed.
   */
  unterminatedStdout(): string {
    return this.buffer;
  }

  stderr(): string {
    return this.stderrChunks.join('');
  }
}

/** Polls until `predicate` holds (for work that completes after the client got its answer). */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The package's bin (the committed launcher that starts dist/cli.js), as a user's PATH would run it. */
export const BIN = path.join(APP_DIR, 'bin', 'secure-mcp-gateway.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the built CLI as a user would: by absolute path, from `cwd` (default `/`), with only the
 * environment given (plus PATH). Asynchronous, so servers in the test process keep answering.
 */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? '/',
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
