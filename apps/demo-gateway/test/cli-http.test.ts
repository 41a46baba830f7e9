import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callGateway } from '../src/client-helpers';
import { closeClient, connectClient } from '../src/scenario';
import { APP_DIR, CLI, KEY, testConfig } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'gateway-http-'));
const configPath = path.join(dir, 'enkrypt_mcp_config.json');
writeFileSync(configPath, JSON.stringify(testConfig({ provider: 'stdout', telemetry: { format: 'json' } })));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the CLI over Streamable HTTP (child process)', () => {
  it('serves on an ephemeral port with /healthz, and shuts down cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0', '--config', configPath], {
      cwd: APP_DIR,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const client = await connectClient(url, KEY);
      const list = await callGateway(client, 'enkrypt_list_all_servers');
      expect((list.body?.servers as unknown[]).length).toBe(4);
      const health = (await (await fetch(new URL('/healthz', url))).json()) as { sessions: { http: number }; users: number };
      expect(health).toMatchObject({ status: 'ok', sessions: { http: 1 }, users: 1 });
      await closeClient(client);
      const after = (await (await fetch(new URL('/healthz', url))).json()) as { sessions: { http: number }; users: number };
      expect(after).toMatchObject({ sessions: { http: 0 }, users: 0 });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(143);
    expect(stderr).not.toContain(KEY);
  });
});
