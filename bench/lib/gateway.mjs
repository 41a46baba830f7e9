// The demo gateway as a child process (its own RSS and CPU), serving Streamable HTTP on an
// ephemeral loopback port, with the demo upstream server as its stdio child. A load generator of
// MCP SDK clients runs in the calling process.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { benchDir, percentile, sleep } from './common.mjs';

export const gatewayDir = path.resolve(benchDir, '..', 'apps', 'demo-gateway');
export const gatewayCli = path.join(gatewayDir, 'dist', 'cli.js');
export const upstreamScript = path.join(gatewayDir, 'dist', 'upstream-server.js');
export const GATEWAY_KEY = 'bench-gateway-key-7c2e9a41d5b8';
export const SERVER = 'demo_server';

export function gatewayBuilt() {
  return existsSync(gatewayCli) && existsSync(upstreamScript);
}

/** The telemetry state the gateway must report for each setup (its start line says it). */
export const EXPECTED_STATE = { disabled: 'noop', stdout: 'active', otel: 'active', 'otel-grpc': 'active' };

/** Telemetry sections (plugins.telemetry) the gateway cases compare. */
export function gatewayTelemetry(setup, receiver) {
  switch (setup) {
    case 'disabled':
      return { provider: 'stdout', config: { enabled: false } };
    case 'stdout':
      return { provider: 'stdout', config: { enabled: true } };
    case 'otel':
      // OTLP only: the provider's JSON mirror of log records is turned off (log_mirror none),
      // as a deployment that ships logs over OTLP would.
      return { provider: 'opentelemetry', config: { enabled: true, url: receiver.httpUrl, protocol: 'http/protobuf', insecure: true, log_mirror: 'none' } };
    case 'otel-grpc':
      return { provider: 'opentelemetry', config: { enabled: true, url: receiver.grpcUrl, protocol: 'grpc', insecure: true, log_mirror: 'none' } };
    default:
      throw new Error(`unknown gateway telemetry setup ${setup}`);
  }
}

// Temp folders (config + gateway stderr) made by this process, removed when it exits.
const tempDirs = [];
process.once('exit', () => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes an enkrypt_mcp_config.json (the demo's example shape: guardrails on) and returns its path. */
export function writeGatewayConfig(telemetry, { dir, extraTelemetryConfig = {} } = {}) {
  if (!dir) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bench-gw-'));
    tempDirs.push(dir);
  }
  const config = {
    common_mcp_gateway_config: {
      enkrypt_log_level: 'INFO',
      enkrypt_tool_cache_expiration: 4,
      enkrypt_gateway_cache_expiration: 24,
      timeout_settings: { connectivity_timeout: 2 },
    },
    mcp_configs: {
      'bench-config': {
        mcp_config_name: 'bench_config',
        mcp_config: [
          {
            server_name: SERVER,
            description: 'The demo upstream MCP server.',
            config: {
              command: process.execPath,
              args: [upstreamScript],
              // The upstream's own telemetry is the same in every run (stdout provider, WARNING).
              env: { DEMO_UPSTREAM_LOG_LEVEL: 'WARNING', ENKRYPT_TELEMETRY_PROVIDER: 'stdout' },
            },
            tools: {},
            tool_timeout: 10,
            enable_tool_guardrails: true,
            input_guardrails_policy: {
              enabled: true,
              policy_name: 'Bench input policy',
              additional_config: { pii_redaction: true, blocked_keywords: ['drop table', 'rm -rf'] },
              block: ['keyword_detector', 'injection_attack'],
            },
            output_guardrails_policy: {
              enabled: true,
              policy_name: 'Bench output policy',
              additional_config: { pii_redaction: true, relevancy: true, adherence: true, hallucination: true, max_output_chars: 4000 },
              block: [],
            },
          },
        ],
      },
    },
    projects: { 'bench-project': { project_name: 'bench_project', mcp_config_id: 'bench-config', users: ['bench-user'] } },
    users: { 'bench-user': { email: 'bench.user@example.com' } },
    apikeys: { [GATEWAY_KEY]: { project_id: 'bench-project', user_id: 'bench-user' } },
    plugins: {
      telemetry: {
        provider: telemetry.provider,
        config: { service_name: 'bench-gateway', job_name: 'bench', ...telemetry.config, ...extraTelemetryConfig },
      },
    },
  };
  const file = path.join(dir, 'enkrypt_mcp_config.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * Starts `demo-gateway --transport http --port 0` and waits for its "MCP over Streamable HTTP at"
 * line. stdout goes to /dev/null (the stdout provider's destination), stderr to a file (read for
 * the URL and on failure) so no pipe reader in this process competes for CPU.
 */
export async function startGateway(configPath, { env = {}, timeoutMs = 30_000, expect } = {}) {
  const dir = path.dirname(configPath);
  const stderrPath = path.join(dir, `gateway-${Date.now()}-${Math.random().toString(36).slice(2)}.stderr`);
  const errFd = openSync(stderrPath, 'w');
  const outFd = openSync('/dev/null', 'w');
  const started = performance.now();
  // cwd = the gateway's package, where a deployment would have the providers installed (core
  // resolves a provider from the config file's folder, then the working directory).
  const child = spawn(process.execPath, [gatewayCli, '--config', configPath, '--transport', 'http', '--host', '127.0.0.1', '--port', '0'], {
    cwd: gatewayDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', outFd, errFd],
  });
  closeSync(errFd);
  closeSync(outFd);
  let exited = null;
  // Never leave a gateway behind if this process ends early (its upstream exits with it).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.on('exit', (code, signal) => {
    exited = code ?? signal;
    process.off('exit', killOnExit);
  });
  const deadline = Date.now() + timeoutMs;
  let url;
  let status = '';
  while (!url) {
    if (exited !== null) throw new Error(`demo gateway exited (${exited}) before serving:\n${tail(stderrPath)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`demo gateway did not report its URL within ${timeoutMs} ms:\n${tail(stderrPath)}`);
    }
    await sleep(25);
    const text = await readFile(stderrPath, 'utf8').catch(() => '');
    const m = /MCP over Streamable HTTP at (\S+)(?: \(telemetry: ([^)]*)\))?/.exec(text);
    if (m) {
      url = m[1];
      status = m[2] ?? '';
    }
  }
  const readyMs = performance.now() - started;
  if (expect && !status.startsWith(expect)) {
    child.kill('SIGKILL');
    throw new Error(`demo gateway telemetry is "${status}", expected "${expect}":\n${tail(stderrPath)}`);
  }
  return {
    url,
    pid: child.pid,
    telemetryStatus: status,
    readyMs,
    stderrPath,
    stderrTail: () => tail(stderrPath),
    async stop() {
      if (exited !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 6000);
      await gone;
      clearTimeout(t);
    },
  };
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no stderr)';
  }
}

/** CPU seconds (user + system) used so far by a process, from /proc/PID/stat. */
export async function cpuSecondsOfPid(pid) {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11] = utime, fields[12] = stime (after pid and comm), in clock ticks (USER_HZ = 100 on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** Pids of the direct children of `pid` (the gateway's upstream server), from /proc. */
export async function childPids(pid) {
  const { readdir } = await import('node:fs/promises');
  const out = [];
  for (const entry of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === pid) out.push(Number(entry));
  }
  return out;
}

/** Connected MCP clients, each with its own Streamable HTTP session. */
export async function connectClients(url, count) {
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const clients = [];
  for (let i = 0; i < count; i++) {
    const client = new Client({ name: `bench-client-${i}`, version: '0.0.0' }, { capabilities: {} });
    const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { apikey: GATEWAY_KEY } } });
    await client.connect(transport);
    clients.push(client);
  }
  return {
    clients,
    async close() {
      await Promise.all(clients.map((c) => c.close().catch(() => {})));
    },
  };
}

let callSeq = 0;
/** One gateway tool call: enkrypt_secure_call_tools → demo_server.answer (guardrails in and out). */
export async function oneCall(client) {
  const result = await client.callTool({
    name: 'enkrypt_secure_call_tools',
    arguments: { server_name: SERVER, tool_calls: [{ name: 'answer', args: { question: `catalogue item ${callSeq++ % 100}` } }] },
  });
  if (result.isError) {
    const text = result.content?.map((c) => c.text ?? '').join(' ') ?? '';
    throw new Error(`tool call failed: ${text.slice(0, 300)}`);
  }
  return result;
}

/**
 * Closed-loop load: every client calls in a loop for `durationMs`. Returns calls/s, latency
 * percentiles (ms), errors, and the gateway's CPU seconds per call and RSS samples when `pid` given.
 */
export async function runLoad(pool, { durationMs, pid, rssEveryMs = 250, otherPids = {} } = {}) {
  // CPU seconds of other processes over the window (upstream, receiver) and of this one (load generator).
  const others0 = {};
  for (const [k, p] of Object.entries(otherPids)) others0[k] = await cpuSecondsOfPid(p);
  const self0 = process.cpuUsage();
  const latencies = [];
  let errors = 0;
  let firstError;
  let stop = false;
  const rss = [];
  const cpu0 = pid ? await cpuSecondsOfPid(pid) : NaN;
  const { rssOfPid } = await import('./common.mjs');
  const sampler = pid
    ? setInterval(() => {
        rssOfPid(pid).then((mb) => rss.push(mb));
      }, rssEveryMs)
    : undefined;
  const t0 = performance.now();
  const timer = setTimeout(() => {
    stop = true;
  }, durationMs);
  await Promise.all(
    pool.clients.map(async (client) => {
      while (!stop) {
        const s = performance.now();
        try {
          await oneCall(client);
          latencies.push(performance.now() - s);
        } catch (err) {
          errors++;
          firstError ??= String(err?.message ?? err);
          await sleep(5);
        }
      }
    }),
  );
  const elapsed = performance.now() - t0;
  clearTimeout(timer);
  if (sampler) clearInterval(sampler);
  const cpu1 = pid ? await cpuSecondsOfPid(pid) : NaN;
  const selfCpu = process.cpuUsage(self0);
  const n = Math.max(1, latencies.length);
  const cpuMsPerCallBy = { loadgen: (selfCpu.user + selfCpu.system) / 1000 / n };
  for (const [k, p] of Object.entries(otherPids)) cpuMsPerCallBy[k] = (((await cpuSecondsOfPid(p)) - others0[k]) * 1000) / n;
  return {
    cpuMsPerCallBy,
    calls: latencies.length,
    callsPerSec: (latencies.length * 1000) / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors,
    firstError,
    cpuMsPerCall: ((cpu1 - cpu0) * 1000) / Math.max(1, latencies.length),
    cpuShare: (cpu1 - cpu0) / (elapsed / 1000),
    rss,
    elapsedMs: elapsed,
  };
}
