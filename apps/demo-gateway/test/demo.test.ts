import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { GATEWAY_METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { APP_DIR, DIST } from './helpers';

const run = promisify(execFile);

describe('pnpm demo (stdout provider, no external service)', () => {
  it('runs the scenario and prints each step and the value of every gateway-recorded catalog metric; logs go to the file', async () => {
    const logFile = path.join(tmpdir(), `demo-test-${process.pid}.log`);
    try {
      const { stdout } = await run(process.execPath, [path.join(DIST, 'cli.js'), 'demo', '--log-file', logFile], { cwd: APP_DIR, encoding: 'utf8', timeout: 30_000 });
      expect(stdout).toContain('provider "stdout" loaded by core (active)');
      for (const label of ['prompt injection in input', 'PII in output', 'failing tool', 'hung call (past its budget)', 'call cancelled by the client', 'bad gateway key']) {
        expect(stdout).toContain(label);
      }
      expect(stdout).toMatch(/hung call \(past its budget\)\s+timeout/);
      expect(stdout).toMatch(/call cancelled by the client\s+cancelled/);
      expect(stdout).toMatch(/bad gateway key\s+refused\s+-\s+initialize answered HTTP 401: Unauthorized/);
      expect(stdout).toContain('✓ upstream');
      for (const def of GATEWAY_METRIC_DEFINITIONS) expect(stdout).toContain(def.name);
      expect(stdout).not.toContain('enkrypt_telemetry_dropped_total'); // provider-owned: not the gateway's to report
      expect(stdout).toMatch(/enkrypt_tool_calls_total\s+counter\s+10\n/);
      expect(stdout).toMatch(/enkrypt_timeout_operations_cancelled\s+counter\s+1\n/); // the client's cancel only
      expect(stdout).toMatch(/enkrypt_timeout_operations_timed_out\s+counter\s+1\n/);
      expect(stdout).toMatch(/after every session closed:\s+enkrypt_active_sessions\{transport=http\}=0, enkrypt_active_users=0/);
      expect(stdout).not.toMatch(/^\{"time"/m); // log lines stayed out of the summary
      expect(existsSync(logFile)).toBe(true);
      const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => l.event === 'tool_call' && typeof l.trace_id === 'string')).toBe(true);
    } finally {
      rmSync(logFile, { force: true });
    }
  });

  // pnpm 10 passes the `--` of `pnpm demo -- --otlp URL` through to the script. (`run doctor`:
  // plain `pnpm doctor` is pnpm's own command.)
  it('accepts the `--` pnpm passes through (demo and doctor), run through pnpm itself', async () => {
    const pnpm = (...args: string[]) => run('pnpm', ['--filter', '@secure-mcp-gateway/demo-gateway', ...args], { cwd: APP_DIR, encoding: 'utf8', timeout: 25_000 });
    const [demo, doctor] = await Promise.all([pnpm('demo', '--', '--help'), pnpm('run', 'doctor', '--', '--help')]);
    expect(demo.stdout).toContain('usage: secure-mcp-gateway demo');
    expect(doctor.stdout).toContain('usage: secure-mcp-gateway doctor');
  }, 30_000);
});
