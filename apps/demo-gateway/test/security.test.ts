/**
 * Issue 18, probed as an attacker would: the built gateway (dist/) over real HTTP on 127.0.0.1:0,
 * with bodies under its own limits. In-process (core's in-memory provider, to read the counters)
 * where a counter is the evidence; a child process where "does not freeze" is.
 */
import type * as GatewayModule from '../src/index';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SpanKind } from '@opentelemetry/api';
import { initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
import { createInMemoryProvider } from '@secure-mcp-gateway/telemetry-core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callGateway, callResults } from '../src/client-helpers';
import { closeClient, connectClient, refusalOf } from '../src/scenario';
import { APP_DIR, CLI, DIST, KEY, testConfig, waitUntil } from './helpers';

// The gateway as built: every request below goes through dist/, as a user runs it.
const built = (await import(pathToFileURL(path.join(DIST, 'index.js')).href)) as typeof GatewayModule;

const mem = createInMemoryProvider();
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe', version: '0' } } };
const count = (name: string, attrs?: Record<string, string>) => mem.counterValue(name, attrs);

beforeAll(async () => {
  await initTelemetry({ config: testConfig(), provider: mem.provider, installShutdownHooks: false });
});
afterAll(async () => {
  await shutdownTelemetry({ timeoutMs: 2000 });
});

type Raw = Record<string, any>;
const demoServer = (raw: Raw): Raw => raw.mcp_configs[Object.keys(raw.mcp_configs)[0]!].mcp_config[0];

async function start(mutate: (raw: Raw) => void = () => {}, serve: Parameters<typeof built.serveHttp>[1] = {}) {
  const raw = testConfig();
  mutate(raw);
  const gateway = new built.Gateway({ config: built.parseConfig(raw, { dir: APP_DIR }) });
  const http = await built.serveHttp(gateway, serve);
  return {
    gateway,
    http,
    post: (body: unknown, headers: Record<string, string> = {}) => fetch(http.url, { method: 'POST', headers: { ...HEADERS, ...headers }, body: JSON.stringify(body) }),
    async close() {
      await http.close();
      await gateway.close();
    },
  };
}

describe('no way in without a key', () => {
  const names = [...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])];

  it(`refuses every Object.prototype name (${names.length}) as a key, in apikey and as Bearer, at initialize and on a live session`, async () => {
    mem.reset();
    const gw = await start(() => {}, { authBackoff: { freeAttempts: 1_000_000 } });
    try {
      const init = await gw.post(INIT, { apikey: KEY });
      expect(init.status).toBe(200);
      await init.text();
      const session = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
      const call = { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'enkrypt_get_cache_status', arguments: {} } };
      for (const name of names) {
        for (const headers of [{ apikey: name }, { authorization: `Bearer ${name}` }] as Record<string, string>[]) {
          const refused = await gw.post(INIT, headers);
          expect(refused.status, `${JSON.stringify(headers)} at initialize`).toBe(401);
          expect(await refused.text()).toMatch(/Unauthorized: the gateway key .* is not recognised/);
        }
        const onSession = await gw.post(call, { ...session, apikey: name });
        expect(onSession.status, `${name} on a live session`).toBe(401);
        expect(await onSession.text()).not.toContain('servers');
      }
      expect(count('enkrypt_auth_failure_total', { transport: 'http', reason: 'invalid_key' })).toBe(names.length * 3);
      expect(gw.gateway.liveCounts().sessions.http).toBe(1);
      expect(mem.spans.filter((s) => s.kind === SpanKind.SERVER)).toEqual([]);
    } finally {
      await gw.close();
    }
  });

  it('resolves projects and mcp_configs by own names only: a config pointing at a prototype name is refused', () => {
    const raw = testConfig();
    const project = Object.keys(raw.projects)[0]!;
    raw.apikeys[KEY].project_id = 'constructor';
    expect(() => built.parseConfig(raw, { dir: APP_DIR })).toThrow(/apikeys\[#1\]\.project_id: unknown project "constructor"/);
    const raw2 = testConfig();
    raw2.projects[project].mcp_config_id = 'toString';
    expect(() => built.parseConfig(raw2, { dir: APP_DIR })).toThrow(/mcp_config_id: unknown mcp_config "toString"/);
  });

  it('slows down repeated bad keys from one address (429 + Retry-After) and logs one summary, not a line per attempt', async () => {
    mem.reset();
    const gw = await start();
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 14; i++) {
        const res = await gw.post(INIT, { apikey: `guess-${i}` });
        statuses.push(res.status);
        if (res.status === 429) retryAfter = res.headers.get('retry-after');
        await res.text();
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(11)).toEqual([429, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      // Even the right key waits out the back-off from that address.
      expect((await gw.post(INIT, { apikey: KEY })).status).toBe(429);
    } finally {
      await gw.close();
    }
    const logs = mem.jsonLogs() as Record<string, unknown>[];
    expect(logs.filter((l) => l.event === 'session_refused')).toEqual([]);
    const summaries = logs.filter((l) => l.event === 'auth_failures');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ level: 'WARNING', failures: 11, addresses: 1 });
    expect(Number(summaries[0]!.refused)).toBeGreaterThanOrEqual(3);
    expect(JSON.stringify(logs)).not.toContain('guess-');
  });
});

describe('bounded input', () => {
  it('answers a body over max_request_bytes with 413 and a JSON-RPC error, declared or chunked', async () => {
    const gw = await start((raw) => (raw.common_mcp_gateway_config.max_request_bytes = 64 * 1024));
    try {
      const big = JSON.stringify({ ...INIT, params: { ...INIT.params, padding: 'x'.repeat(100 * 1024) } });
      const declared = await fetch(gw.http.url, { method: 'POST', headers: { ...HEADERS, apikey: KEY }, body: big });
      expect(declared.status).toBe(413);
      expect(await declared.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32600, message: expect.stringContaining('max_request_bytes') } });
      const chunks = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < big.length; i += 8192) controller.enqueue(new TextEncoder().encode(big.slice(i, i + 8192)));
          controller.close();
        },
      });
      const chunked = await fetch(gw.http.url, { method: 'POST', headers: { ...HEADERS, apikey: KEY }, body: chunks, duplex: 'half' } as RequestInit);
      expect(chunked.status).toBe(413);
      expect(((await chunked.json()) as { error: { message: string } }).error.message).toMatch(/Request body too large/);
      expect((await fetch(new URL('/healthz', gw.http.url))).status).toBe(200);
    } finally {
      await gw.close();
    }
  });

  it('reads trace context only after the key check, within the W3C limits, counting what it drops', async () => {
    mem.reset();
    const gw = await start();
    try {
      // ~1.1 MB of baggage, 100,000 members, and 40 tracestate members.
      const baggage = Array.from({ length: 100_000 }, (_, i) => `k${i}=v${i}`).join(',');
      const tracestate = Array.from({ length: 40 }, (_, i) => `t${i}=x`).join(',');
      const meta = { traceparent: TRACEPARENT, tracestate, baggage };
      const refused = await gw.post({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'enkrypt_get_cache_status', arguments: {}, _meta: meta } }, { apikey: 'nope' });
      expect(refused.status).toBe(401);
      expect(count('enkrypt_trace_context_dropped_total')).toBe(0); // never read

      const client = await connectClient(gw.http.url, KEY);
      const result = await client.callTool({ name: 'enkrypt_get_cache_status', arguments: {}, _meta: meta });
      await closeClient(client);
      expect(result.isError).toBeFalsy();
      expect(count('enkrypt_trace_context_dropped_total', { field: 'baggage' })).toBe(100_000 - 180);
      expect(count('enkrypt_trace_context_dropped_total', { field: 'tracestate' })).toBe(8);
      const server = mem.spans.find((s) => s.kind === SpanKind.SERVER && s.name === 'tools/call enkrypt_get_cache_status');
      expect(server?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    } finally {
      await gw.close();
    }
  });

  it('keeps __proto__ inside arguments as data: no prototype is polluted', async () => {
    const gw = await start();
    try {
      const client = await connectClient(gw.http.url, KEY);
      const args = JSON.parse('{"text":"hello jane@example.com","__proto__":{"polluted":"yes"}}') as Record<string, unknown>;
      const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'echo', args }] });
      await closeClient(client);
      expect(['success', 'error']).toContain(callResults(call)[0]?.status);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(JSON.stringify(call.result)).not.toContain('jane@example.com');
    } finally {
      await gw.close();
    }
  });

  it('fails a call closed when its text is over the guardrail scan budget', async () => {
    const gw = await start((raw) => (raw.common_mcp_gateway_config.guardrail_max_scan_chars = 1000));
    try {
      const client = await connectClient(gw.http.url, KEY);
      const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'echo', args: { text: 'y'.repeat(2000) } }] });
      await closeClient(client);
      expect(callResults(call)[0]).toMatchObject({ status: 'error', error_type: 'guardrail_scan_budget_exceeded' });
    } finally {
      await gw.close();
    }
  });
});

describe('fair sessions', () => {
  it('caps sessions per key beside the global cap, with a Retry-After from the configured idle expiry', async () => {
    const OTHER = 'second-key-31ab';
    const gw = await start((raw) => {
      const c = raw.common_mcp_gateway_config;
      c.max_sessions = 10;
      c.max_sessions_per_key = 2;
      c.session_idle_timeout_seconds = 120;
      raw.apikeys[OTHER] = { ...raw.apikeys[KEY] };
    });
    try {
      const a = await connectClient(gw.http.url, KEY);
      const b = await connectClient(gw.http.url, KEY);
      const refused = await gw.post(INIT, { apikey: KEY });
      expect(refused.status).toBe(503);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(100);
      expect(retryAfter).toBeLessThanOrEqual(120);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(/max_sessions_per_key/);
      const other = await connectClient(gw.http.url, OTHER).catch(refusalOf);
      expect(other).toHaveProperty('callTool'); // another key still gets in
      await closeClient(a);
      await waitUntil(() => gw.gateway.liveCounts().sessions.http === 2);
      const again = await connectClient(gw.http.url, KEY);
      for (const c of [b, again, other as Awaited<ReturnType<typeof connectClient>>]) await closeClient(c);
    } finally {
      await gw.close();
    }
  });
});

describe('isolation and results', () => {
  it('a hung call is cancelled on its own: its neighbour on the same upstream finishes, and new calls go to a new process', async () => {
    const gw = await start((raw) => {
      demoServer(raw).tool_timeout = 4;
      raw.common_mcp_gateway_config.timeout_settings.escalation_policies.fail_threshold = 1.05;
    });
    try {
      const client = await connectClient(gw.http.url, KEY);
      const pidOf = (c: Awaited<ReturnType<typeof callGateway>>) =>
        (callResults(c)[0]!.upstream_meta as Record<string, { pid: number }>)['io.secure-mcp-gateway/demo-upstream']!.pid;
      const warm = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'answer', args: { question: 'x' } }] });
      const hung = callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'slow', args: { seconds: 60 } }] });
      await new Promise((r) => setTimeout(r, 2000));
      // Ends at ~5 s: after the hung call's fail level (4.2 s), before its own deadline (6 s).
      const neighbour = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'slow', args: { seconds: 3 } }] });
      expect(callResults(await hung)[0]).toMatchObject({ status: 'timeout', error_type: 'timeout' });
      expect(callResults(neighbour)[0]).toMatchObject({ status: 'success' });
      expect(pidOf(neighbour)).toBe(pidOf(warm));
      const next = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'answer', args: { question: 'y' } }] });
      expect(callResults(next)[0]).toMatchObject({ status: 'success' });
      expect(pidOf(next)).not.toBe(pidOf(warm));
      await closeClient(client);
    } finally {
      await gw.close();
    }
  });

  it('forwards a payload once, and gives an oversized upstream result its own error class without a restart', { timeout: 120_000 }, async () => {
    const gw = await start((raw) => {
      raw.common_mcp_gateway_config.max_result_bytes = 1024 * 1024;
      demoServer(raw).tool_timeout = 60; // making 50 MB takes the upstream a while on a loaded machine
    });
    try {
      const client = await connectClient(gw.http.url, KEY);
      const marker = `marker-${'q'.repeat(200_000)}-end`;
      const echo = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'echo', args: { text: marker } }] });
      expect(callResults(echo)[0]).toMatchObject({ status: 'success' });
      expect(JSON.stringify(echo.result).split(marker).length - 1).toBe(1);

      const pidOf = (c: Awaited<ReturnType<typeof callGateway>>) =>
        (callResults(c)[0]!.upstream_meta as Record<string, { pid: number }> | undefined)?.['io.secure-mcp-gateway/demo-upstream']?.pid;
      const big = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'big_result', args: { bytes: 2 * 1024 * 1024 } }] });
      expect(callResults(big)[0]).toMatchObject({ status: 'error', error_type: 'upstream_result_too_large' });
      expect(String(callResults(big)[0]!.message)).toMatch(/max_result_bytes/);
      // 50 MB: dropped as it streams in (never buffered whole), the call fails on its own.
      const huge = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'big_result', args: { bytes: 50 * 1024 * 1024 } }] });
      expect(callResults(huge)[0]).toMatchObject({ status: 'error', error_type: 'upstream_result_too_large' });
      const after = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'answer', args: { question: 'z' } }] });
      expect(callResults(after)[0]).toMatchObject({ status: 'success' });
      expect(pidOf(after)).toBe(pidOf(echo));
      await closeClient(client);
    } finally {
      await gw.close();
    }
  });
});

describe('visible under attack', () => {
  it('records event-loop delay and utilisation through the configured provider (the runtime instrumentation on core\'s meter)', async () => {
    mem.reset();
    const gw = await start();
    try {
      // Busy the loop a little so the delay histogram has samples.
      for (let i = 0; i < 20; i++) {
        const until = performance.now() + 5;
        while (performance.now() < until);
        await new Promise((r) => setTimeout(r, 15));
      }
      mem.collect();
      const names = new Set(mem.measurements.map((m) => m.name));
      expect(names).toContain('nodejs.eventloop.utilization');
      expect(names).toContain('nodejs.eventloop.delay.max');
      expect(names).toContain('nodejs.eventloop.delay.p99');
    } finally {
      await gw.close();
    }
  });
});

describe('no request freezes the gateway (built CLI, child process)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'gateway-freeze-'));
  let url = '';
  let stop: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const config = testConfig({ provider: 'stdout', telemetry: { format: 'json' } });
    demoServer(config).tool_timeout = 30;
    const file = path.join(dir, 'enkrypt_mcp_config.json');
    writeFileSync(file, JSON.stringify(config));
    const child = spawn(process.execPath, [CLI, '--transport', 'http', '--port', '0', '--config', file], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ENKRYPT_LOG_LEVEL: 'WARNING' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
        const match = /MCP over Streamable HTTP at (http:\/\/\S+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${stderr}`)));
    });
    stop = () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  });
  afterAll(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `call` while polling /healthz; returns how many health answers arrived before the call's.
   * Ordering is the evidence (a frozen gateway answers nothing until the call is done); the
   * time bound on the call is only a safety net, generous for a loaded 2-core machine.
   */
  async function healthDuring(call: () => Promise<unknown>): Promise<number> {
    let done = false;
    let during = 0;
    const poll = (async () => {
      while (!done) {
        const res = await fetch(new URL('/healthz', url));
        await res.text();
        if (!done) during += 1;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await call();
    done = true;
    await poll;
    return during;
  }

  it('a 4 MB argument that defeated the email pattern: guardrails both ways, /healthz answering throughout', async () => {
    const client = await connectClient(url, KEY);
    const text = 'a'.repeat(4_000_000);
    let status: unknown;
    const during = await healthDuring(async () => {
      const call = await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'echo', args: { text } }] });
      status = callResults(call)[0]?.status;
    });
    await closeClient(client);
    expect(status).toBe('success');
    expect(during).toBeGreaterThanOrEqual(3);
  }, 60_000);

  it('a 1 MB upstream result of letters (the output guardrail case) passes while /healthz keeps answering', async () => {
    const client = await connectClient(url, KEY);
    let result: Record<string, unknown> | undefined;
    const during = await healthDuring(async () => {
      result = callResults(await callGateway(client, 'enkrypt_secure_call_tools', { server_name: 'demo_server', tool_calls: [{ name: 'big_result', args: { bytes: 1_000_000 } }] }))[0];
    });
    await closeClient(client);
    // Over max_output_chars: the demo policy records an adherence violation (not blocking).
    expect(result).toMatchObject({ status: 'success', guardrails: { output: ['adherence'] } });
    expect(during).toBeGreaterThanOrEqual(3);
  }, 60_000);
});
