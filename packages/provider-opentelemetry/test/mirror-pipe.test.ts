// A client that pipes the gateway's stderr and never reads it must not grow the gateway's memory.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

it('with stderr piped and never read, the mirror buffers at most ~1 MiB and counts the lines it drops', async () => {
  // The built package, as users load it (CI builds before testing).
  const script = `
    const { DEFAULT_TELEMETRY_SETTINGS } = await import('@secure-mcp-gateway/telemetry-core');
    const { default: provider } = await import(${JSON.stringify(dist)});
    const warnings = [];
    const diagnostics = { debug() {}, warn(message) { warnings.push(message); }, error(message) { warnings.push(message); } };
    const settings = { ...DEFAULT_TELEMETRY_SETTINGS, url: 'http://127.0.0.1:1' };
    const instance = await provider.create({ log_mirror: 'stderr', otlp_export: false },
      { settings, stdoutReserved: true, configDir: process.cwd(), env: {}, diagnostics });
    const logger = instance.logger('flood');
    const pad = 'x'.repeat(250);
    let maxBuffered = 0;
    for (let i = 0; i < 20000; i += 1) {
      logger.info('flood', { i, pad });
      maxBuffered = Math.max(maxBuffered, process.stderr.writableLength);
    }
    process.stdout.write(JSON.stringify({ maxBuffered, dropped: instance.stats().droppedMirrorLines, warnings }) + '\\n');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // child.stderr is deliberately never read: the OS pipe fills up and Node starts buffering.
  let stdout = '';
  const report = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no report from the child; stdout: ${stdout}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(stdout);
      }
    });
    child.on('error', reject);
  });
  child.kill('SIGKILL');
  child.stderr.destroy();
  const { maxBuffered, dropped, warnings } = JSON.parse(report) as { maxBuffered: number; dropped: number; warnings: string[] };
  // ~6 MB were logged; without the cap Node would have buffered nearly all of it.
  expect(maxBuffered).toBeGreaterThan(512 * 1024);
  expect(maxBuffered).toBeLessThan(1024 * 1024 + 4096);
  expect(dropped).toBeGreaterThan(10_000);
  expect(warnings.filter((w) => w.includes('log mirror is dropping'))).toHaveLength(1);
});
