import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { stdoutProvider } from '../src/index';
import { makeContext } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..');
const child = join(here, 'fixtures', 'child.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'provider-stdout-dest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface ChildOptions {
  config?: Record<string, unknown>;
  stdoutReserved?: boolean;
  logLevel?: string;
  mode?: 'log' | 'exit' | 'protocol';
  lines?: number;
}

function run(options: ChildOptions, input?: string, env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [child], {
    cwd: packageDir,
    input: input ?? '',
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...env, CHILD_OPTIONS: JSON.stringify(options) },
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (result.error) throw result.error;
  return result;
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('destinations', () => {
  it('writes JSON lines to stdout by default, flushed at exit, and lets the process end on its own', () => {
    const r = run({ mode: 'log', lines: 5 });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(jsonLines(r.stdout).map((l) => l.i)).toEqual([0, 1, 2, 3, 4]);
  });

  it('flushes buffered lines when the host calls process.exit()', () => {
    const r = run({ mode: 'exit', lines: 1000 });
    expect(r.status).toBe(3);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1001);
    expect(lines[999]).toMatchObject({ event: 'line', i: 999 });
    // A line logged by an 'exit' listener that runs after the provider's flush is written too.
    expect(lines[1000]).toMatchObject({ event: 'exiting', code: 3 });
  });

  it('writes to stderr when destination is "stderr", nothing to stdout', () => {
    const r = run({ mode: 'log', config: { destination: 'stderr' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(jsonLines(r.stderr)).toHaveLength(3);
  });

  it('appends to a file destination, creating its folder; relative paths resolve against the config folder', async () => {
    const file = join(tmp, 'nested', 'dir', 'gateway.log');
    const r = run({ mode: 'log', config: { destination: file }, lines: 2 });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    run({ mode: 'log', config: { destination: file }, lines: 1 });
    expect(jsonLines(readFileSync(file, 'utf8')).map((l) => l.i)).toEqual([0, 1, 0]);

    const { ctx } = makeContext({ configDir: tmp });
    const instance = await stdoutProvider.create({ destination: 'logs/rel.log', format: 'json', maxStringLength: 100 }, ctx);
    instance.logger('rel').info('relative');
    await instance.shutdown();
    expect(jsonLines(readFileSync(join(tmp, 'logs', 'rel.log'), 'utf8'))[0]).toMatchObject({ event: 'relative' });
  });

  it('fails create() with a clear message when the file cannot be opened', () => {
    const blocker = join(tmp, 'not-a-dir');
    run({ mode: 'log', config: { destination: blocker }, lines: 1 }); // a file where a folder would have to be
    const { ctx } = makeContext();
    expect(() =>
      stdoutProvider.create({ destination: join(blocker, 'x.log'), format: 'json', maxStringLength: 100 }, ctx),
    ).toThrow(/stdout provider: cannot open log file ".*not-a-dir\/x\.log" for appending/);
  });

  it('drops lines it cannot write (disk full), counts them and reports once, without throwing', async () => {
    if (!existsSync('/dev/full')) return expect.fail('/dev/full is needed (Linux)');
    const { ctx, diagnostics } = makeContext();
    const instance = await stdoutProvider.create({ destination: '/dev/full', format: 'json', maxStringLength: 100 }, ctx);
    const log = instance.logger('full');
    log.info('one');
    log.info('two');
    await instance.forceFlush();
    log.info('three');
    await instance.forceFlush();
    expect(instance.stats!()).toMatchObject({ droppedLogRecords: 3, failedExports: 2 });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toMatch(/writing 2 log line\(s\) to \/dev\/full failed \(ENOSPC\)/);
    await instance.shutdown();
  });

  it('uses the pretty format on a terminal when format is "auto"', () => {
    const hasScript = spawnSync('script', ['--version']).status === 0;
    if (!hasScript) return expect.fail('util-linux `script` is needed to give the child a terminal');
    const r = spawnSync('script', ['-qec', `${process.execPath} ${child}`, '/dev/null'], {
      cwd: packageDir,
      env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', TERM: 'xterm', CHILD_OPTIONS: JSON.stringify({ mode: 'log', lines: 1 }) },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\u001b\[32mINFO/);
    expect(r.stdout).not.toMatch(/^\{/m);
  });
});

/** Sends `requests` line requests one at a time, waiting for each reply, then closes stdin. */
async function converse(script: string, options: ChildOptions, env: Record<string, string>, requests: number) {
  const proc = spawn(process.execPath, [script], {
    cwd: packageDir,
    env: { ...process.env, ...env, CHILD_OPTIONS: JSON.stringify(options) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  for (let id = 1; id <= requests; id++) {
    proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { n: id } }) + '\n');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to request ${id}; stdout: ${stdout.slice(-300)} stderr: ${stderr.slice(-300)}`)), 10_000);
      const check = () => {
        if (stdout.includes(`"id":${id},`)) {
          clearTimeout(timer);
          proc.stdout.off('data', check);
          resolve();
        }
      };
      proc.stdout.on('data', check);
      check();
    });
  }
  proc.stdin.end();
  const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
  return { code, stdout, stderr };
}

describe('stdout reserved (MCP over stdio)', () => {
  it('through core: initTelemetry({ stdoutReserved: true }) loads this provider and stdout carries only protocol', async () => {
    const requests = 20;
    const r = await converse(join(here, 'fixtures', 'core-host.mjs'), {}, { PROVIDER_PATH: packageDir }, requests);
    expect(r.code, r.stderr).toBe(0);
    const out = r.stdout.split('\n').filter(Boolean);
    expect(out).toHaveLength(requests);
    out.forEach((line, i) => expect(JSON.parse(line)).toEqual({ jsonrpc: '2.0', id: i + 1, result: { ok: true } }));

    const errLines = r.stderr.split('\n').filter(Boolean);
    expect(errLines.filter((l) => l.includes('stdout is reserved'))).toHaveLength(1);
    const logs = errLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.find((l) => l.event === 'telemetry status')).toMatchObject({ state: 'active', logger: 'host.server' });
    expect(logs.find((l) => l.event === 'booting')).toMatchObject({ logger: 'host.boot', level: 'INFO' });
    expect(logs.filter((l) => l.event === 'handling')).toHaveLength(requests);
    expect(logs.find((l) => l.event === 'handling')).toMatchObject({ request_id: 1, authorization: '[REDACTED]' });
    expect(r.stderr).not.toContain('sk-should-not-leak');
    expect(logs.at(-1)).toMatchObject({ event: 'stdin closed' });
  });

  it('writes nothing but protocol lines to stdout; logs go to stderr with one notice', async () => {
    const proc = spawn(process.execPath, [child], {
      cwd: packageDir,
      env: { ...process.env, CHILD_OPTIONS: JSON.stringify({ mode: 'protocol', stdoutReserved: true, config: { destination: 'stdout' } }) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const requests = 40;
    // Talk to it like a client: one request, wait for its reply, then the next.
    for (let id = 1; id <= requests; id++) {
      proc.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { n: id } }) + '\n');
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no reply to request ${id}; stdout so far: ${stdout.slice(-500)}`)), 10_000);
        const check = () => {
          if (stdout.includes(`"id":${id},`)) {
            clearTimeout(timer);
            proc.stdout.off('data', check);
            resolve();
          }
        };
        proc.stdout!.on('data', check);
        check();
      });
    }
    proc.stdin.end();
    const code = await new Promise<number | null>((resolve) => proc.on('close', resolve));
    expect(code).toBe(0);

    const out = stdout.split('\n').filter(Boolean);
    expect(out).toHaveLength(requests);
    out.forEach((line, i) => expect(JSON.parse(line)).toEqual({ jsonrpc: '2.0', id: i + 1, result: { echo: { n: i + 1 } } }));

    const errLines = stderr.split('\n').filter(Boolean);
    const notices = errLines.filter((l) => l.includes('stdout is reserved'));
    expect(notices).toHaveLength(1);
    const logs = errLines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.filter((l) => l.event === 'request')).toHaveLength(requests);
    expect(logs.filter((l) => l.event === 'handling request')).toHaveLength(requests * 50);
    expect(logs.at(-1)).toMatchObject({ event: 'stdin closed' });
  });
});

describe('a destination pipe nobody reads', () => {
  const fixture = join(here, 'fixtures', 'stalled-pipe.mjs');

  it('drops and counts lines instead of stalling every flush, reports once, and resumes with whole lines once drained', async () => {
    // The child's stderr is a real pipe (a FIFO, as a shell or Python's subprocess gives) that this
    // process holds open for reading but does not read until phase 1 is over.
    const fifo = join(mkdtempSync(join(tmp, 'fifo-')), 'stderr.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    // The spawn timeout kills a child that hangs on a blocking full pipe (as it did before the fix).
    const proc = spawn(process.execPath, [fixture], { cwd: packageDir, stdio: ['pipe', 'pipe', writer], timeout: 18_000 });
    closeSync(writer);
    let stdout = '';
    let stderr = '';
    let draining: ReturnType<typeof setInterval> | undefined;
    // 'close', not 'exit': stdout must be fully read before a missing report counts as missing.
    const exited = new Promise<number | null>((resolve) => proc.on('close', resolve));
    const report = (phase: string) =>
      new Promise<Record<string, any>>((resolve, reject) => {
        const check = (): void => {
          const line = stdout.split('\n').find((l) => l.includes(`"phase":"${phase}"`));
          if (line) resolve(JSON.parse(line));
        };
        proc.stdout!.on('data', check);
        void exited.then(() => {
          check();
          reject(new Error(`child exited before reporting "${phase}"; stdout: ${stdout}`));
        });
      });
    proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    try {
      const flooded = await report('flooded');
      const { stats, diagnostics, logged, elapsedMs } = flooded;
      // Before the fix each of the 40 flushes waited ~2 s on the full pipe (or hung for good); the bound is generous.
      expect(elapsedMs).toBeLessThan(5_000);
      expect(stats.droppedLogRecords).toBeGreaterThan(0);
      expect(stats.linesWritten).toBeGreaterThan(0);
      expect(stats.linesWritten + stats.droppedLogRecords).toBe(logged);
      const errors = diagnostics.filter((d: { level: string }) => d.level === 'error');
      expect(errors).toHaveLength(1);
      expect(errors[0].message).toMatch(/stderr is not being read .*dropping log lines/);

      const buf = Buffer.alloc(64 * 1024);
      const decoder = new TextDecoder();
      const drain = (): void => {
        try {
          for (let n = readSync(reader, buf); n > 0; n = readSync(reader, buf)) stderr += decoder.decode(buf.subarray(0, n), { stream: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
        }
      };
      draining = setInterval(drain, 5);
      proc.stdin!.write('drain\n');
      const drained = await report('drained');
      expect(await exited).toBe(0);
      expect(drained.stats.linesWritten).toBeGreaterThan(stats.linesWritten);
      expect(drained.stats.linesWritten + drained.stats.droppedLogRecords).toBe(logged + drained.attempts + 5);
      // One report for the whole episode.
      expect(drained.diagnostics.filter((d: { level: string }) => d.level === 'error')).toHaveLength(1);
      drain(); // whatever the child wrote before it exited
      // Every line that reached the pipe is whole (a line the full pipe cut short was finished first),
      // and the counters agree with what arrived.
      const lines = jsonLines(stderr);
      expect(lines).toHaveLength(drained.stats.linesWritten);
      expect(lines.filter((l) => l.event === 'recovered').map((l) => l.i)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      clearInterval(draining);
      proc.kill();
      closeSync(reader);
    }
  });
});
