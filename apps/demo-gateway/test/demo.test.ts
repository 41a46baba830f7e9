import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { METRIC_DEFINITIONS } from '@secure-mcp-gateway/metrics-catalog';
import { describe, expect, it } from 'vitest';
import { APP_DIR, DIST } from './helpers';

const run = promisify(execFile);

describe('pnpm demo (stdout provider, no external service)', () => {
  it('runs the scenario and prints each step and the value of every catalog metric; logs go to the file', async () => {
    const logFile = path.join(tmpdir(), `demo-test-${process.pid}.log`);
    try {
      const { stdout } = await run(process.execPath, [path.join(DIST, 'demo.js'), '--log-file', logFile], { cwd: APP_DIR, encoding: 'utf8', timeout: 30_000 });
      expect(stdout).toContain('provider "stdout" loaded by core (active)');
      for (const label of ['prompt injection in input', 'PII in output', 'failing tool', 'hung call (past its budget)', 'bad gateway key']) {
        expect(stdout).toContain(label);
      }
      expect(stdout).toMatch(/hung call \(past its budget\)\s+timeout/);
      expect(stdout).toMatch(/bad gateway key\s+mcp error/);
      expect(stdout).toContain('✓ upstream');
      for (const def of METRIC_DEFINITIONS) expect(stdout).toContain(def.name);
      expect(stdout).toMatch(/enkrypt_tool_calls_total\s+counter\s+9\n/);
      expect(stdout).toMatch(/after every session closed:\s+enkrypt_active_sessions\{transport=http\}=0, enkrypt_active_users=0/);
      expect(stdout).not.toMatch(/^\{"time"/m); // log lines stayed out of the summary
      expect(existsSync(logFile)).toBe(true);
      const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => l.event === 'tool_call' && typeof l.trace_id === 'string')).toBe(true);
    } finally {
      rmSync(logFile, { force: true });
    }
  });
});
