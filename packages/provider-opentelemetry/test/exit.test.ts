// Timers and sockets never keep the host alive: a process that forgets shutdown still exits.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '@secure-mcp-gateway/otlp-test-receiver';

const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
});

function runChild(url: string, protocol: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // The built package, as users load it (CI builds before testing).
  const script = `
    const { DEFAULT_TELEMETRY_SETTINGS } = await import('@secure-mcp-gateway/telemetry-core');
    const { default: provider } = await import(${JSON.stringify(dist)});
    const settings = { ...DEFAULT_TELEMETRY_SETTINGS, url: ${JSON.stringify(url)}, protocol: ${JSON.stringify(protocol)},
      batch: { timeoutMs: 50, maxBatchSize: 100, maxQueueSize: 1000 }, metricExportIntervalMs: 200, prometheusPort: 0 };
    const diagnostics = { debug() {}, warn() {}, error() {} };
    const instance = await provider.create({ log_mirror: 'none' }, { settings, stdoutReserved: true, configDir: process.cwd(), env: {}, diagnostics });
    instance.tracer('t').startSpan('forgotten').end();
    instance.logger('t').info('forgotten');
    instance.meter('t').createCounter('forgotten_total').add(1);
    await new Promise((r) => setTimeout(r, 600)); // let exports and a metric interval run
    // no shutdown(): the event loop must empty by itself
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit on its own; stderr: ${stderr}`));
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.each(['grpc', 'http/protobuf'] as const)('a host that never calls shutdown (%s)', (protocol) => {
  it('exits by itself after exporting, and wrote nothing to stdout', async () => {
    receiver = await startOtlpReceiver();
    const url = protocol === 'grpc' ? receiver.grpcUrl : receiver.httpUrl;
    const { code, stdout, stderr } = await runChild(url, protocol);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(receiver.spans.some((s) => s.name === 'forgotten')).toBe(true);
  });
});

it('writes the stderr mirror lines still queued when the process exits before the next event-loop turn', async () => {
  const script = `
    const { DEFAULT_TELEMETRY_SETTINGS } = await import('@secure-mcp-gateway/telemetry-core');
    const { default: provider } = await import(${JSON.stringify(dist)});
    const settings = { ...DEFAULT_TELEMETRY_SETTINGS, url: 'http://127.0.0.1:1' };
    const diagnostics = { debug() {}, warn() {}, error() {} };
    const instance = await provider.create({ log_mirror: 'stderr', otlp_export: false }, { settings, stdoutReserved: true, configDir: process.cwd(), env: {}, diagnostics });
    const logger = instance.logger('t');
    for (let i = 0; i < 5; i += 1) logger.info('last words', { i });
    process.exit(3); // no shutdown, no flush, no immediate runs
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(3);
  expect(stdout).toBe('');
  const lines = stderr.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.map((line) => [line.event, line.i])).toEqual([0, 1, 2, 3, 4].map((i) => ['last words', i]));
});
