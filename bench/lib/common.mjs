// Shared helpers for bench cases: statistics, child processes, the result line.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import net from 'node:net';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Leave nothing running: a worker whose parent went away stops, and SIGTERM runs 'exit' handlers
// (which kill gateways and black-hole helpers started by this process).
if (process.send) process.once('disconnect', () => process.exit(1));
process.once('SIGTERM', () => process.exit(143));
export const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';

export function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile, p in 0..100. */
export function percentile(values, p) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const rank = Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1));
  return v[rank];
}

/** Rounds to a few significant digits so the JSON and the table stay readable. */
export function round(x, digits = 3) {
  if (!Number.isFinite(x)) return x;
  if (x === 0) return 0;
  const mag = Math.floor(Math.log10(Math.abs(x)));
  const factor = 10 ** Math.max(0, digits - 1 - mag);
  return Math.round(x * factor) / factor;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

/** Prints the one JSON result line the harness collects (RULES.md case format). */
export function emitResult(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Rotates a list so each round starts with a different entry (evens out drift and warm caches). */
export function rotate(list, by) {
  const k = ((by % list.length) + list.length) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

/**
 * Runs a Node script in its own process with an IPC channel and resolves with the first
 * message it sends whose `type` is `result` (rejects on exit without one, or on timeout).
 * `stdout` may be 'ignore' (e.g. /dev/null for the stdout provider) or 'inherit'/'pipe'.
 */
export function runNodeChild(script, args = [], { timeoutMs = 120_000, stdout = 'ignore', env, execArgv = [], onMessage } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', ...execArgv, script, ...args], {
      cwd: benchDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', stdout, 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 20_000) stderr = stderr.slice(-20_000);
    });
    let result;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')} timed out after ${timeoutMs} ms\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('message', (msg) => {
      if (msg && msg.type === 'result') result = msg;
      else if (onMessage) onMessage(msg, child);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve({ ...result, stderr });
      else reject(new Error(`${path.basename(script)} ${args.join(' ')} exited (${code ?? signal}) without a result\n${stderr.slice(-3000)}`));
    });
  });
}

/** A loopback port that refuses connections: bind an ephemeral port, then close it. */
export async function refusedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Reads `--name value` from argv. */
export function argValue(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** Resident set size of another process in MB, from /proc (Linux). */
export async function rssOfPid(pid) {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Runs a case script: `worker()` when started with `--worker` (a measured child process),
 * else `main()`. A failure prints its stack to stderr and exits 1, so run.mjs sees it.
 */
export function runCase({ main, worker }) {
  const entry = process.argv.includes('--worker') ? worker : main;
  entry().catch((err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  });
}
