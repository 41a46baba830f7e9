import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_DIR, installPackage, makeProject, providerSource } from './helpers';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node file` in `cwd`; `onStderr` may act (e.g. send a signal) when a marker appears. */
function run(cwd: string, file: string, onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OTEL_LOG_LEVEL: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onStderr?.(stderr, child);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit; stderr so far:\n${stderr}`));
    }, 15_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A provider whose shutdown takes a moment and says so on stderr. */
const slowShutdown = `
const { defineProvider, noopProvider } = require('@secure-mcp-gateway/telemetry-core');
module.exports = defineProvider({
  meta: { name: 'marker', version: '1.0.0', core: '*' },
  create(config, ctx) {
    const base = noopProvider.create({}, ctx);
    return {
      ...base,
      checkConnectivity: async () => ({ ok: config.reachable !== false, detail: 'marker backend ' + (config.reachable === false ? 'down' : 'up') }),
      shutdown: () => new Promise((r) => setTimeout(() => { process.stderr.write('marker: flushed on shutdown\\n'); r(); }, 50)),
    };
  },
});
`;

function project(): string {
  const root = makeProject('core-proc-');
  installPackage(root, '@secure-mcp-gateway/telemetry-provider-marker', { main: 'index.cjs' }, { 'index.cjs': slowShutdown });
  return root;
}

describe('process-level behaviour (child processes, built dist)', () => {
  it('the CJS build loads an ESM-only provider, and the ESM build a CJS-only one', async () => {
    const root = makeProject('core-proc-');
    installPackage(root, '@acme/telemetry-provider-esm', { type: 'module', exports: { '.': { import: './index.js' } } }, { 'index.js': providerSource('esm', { name: 'esm-only' }) });
    installPackage(root, '@acme/telemetry-provider-cjs', { exports: { '.': { require: './index.cjs' } } }, { 'index.cjs': providerSource('cjs', { name: 'cjs-only' }) });
    writeFileSync(
      join(root, 'cjs-host.cjs'),
      `const { loadProvider } = require('@secure-mcp-gateway/telemetry-core');
loadProvider('@acme/esm').then((p) => process.stderr.write('cjs host loaded ' + p.meta.name + '\\n'), (e) => { process.stderr.write(e.message); process.exitCode = 1; });`,
    );
    writeFileSync(
      join(root, 'esm-host.mjs'),
      `import { loadProvider } from '@secure-mcp-gateway/telemetry-core';
const p = await loadProvider('@acme/cjs');
process.stderr.write('esm host loaded ' + p.meta.name + '\\n');`,
    );
    const [cjs, esm] = await Promise.all([run(root, 'cjs-host.cjs'), run(root, 'esm-host.mjs')]);
    expect(cjs.stderr).toBe('cjs host loaded esm-only\n');
    expect(esm.stderr).toBe('esm host loaded cjs-only\n');
  });

  it('on SIGTERM it flushes, then the signal\'s default behaviour ends the process', async () => {
    const root = project();
    writeFileSync(join(root, 'config.json'), JSON.stringify({ plugins: { telemetry: { provider: 'marker' } } }));
    writeFileSync(
      join(root, 'app.mjs'),
      `import { initTelemetry } from '@secure-mcp-gateway/telemetry-core';
const status = await initTelemetry({ configPath: 'config.json' });
process.stderr.write('ready ' + status.state + '\\n');
setInterval(() => {}, 1000); // a server that would run forever`,
    );
    let sent = false;
    const result = await run(root, 'app.mjs', (text, child) => {
      if (!sent && text.includes('ready active')) {
        sent = true;
        child.kill('SIGTERM');
      }
    });
    expect(result.stderr).toContain('marker: flushed on shutdown');
    expect(result.signal).toBe('SIGTERM');
  });

  it("leaves the exit to the application's own SIGINT handler when there is one", async () => {
    const root = project();
    writeFileSync(join(root, 'config.json'), JSON.stringify({ plugins: { telemetry: { provider: 'marker' } } }));
    writeFileSync(
      join(root, 'app.mjs'),
      `import { initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
await initTelemetry({ configPath: 'config.json' });
process.on('SIGINT', async () => { await shutdownTelemetry(); process.stderr.write('app handler done\\n'); process.exit(3); });
process.stderr.write('ready\\n');
setInterval(() => {}, 1000);`,
    );
    let sent = false;
    const result = await run(root, 'app.mjs', (text, child) => {
      if (!sent && text.includes('ready')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    expect(result.stderr).toContain('marker: flushed on shutdown');
    expect(result.stderr).toContain('app handler done');
    expect(result.code).toBe(3);
  });

  it('never keeps the process alive (waiting for a backend), and flushes on beforeExit', async () => {
    const root = project();
    writeFileSync(join(root, 'config.json'), JSON.stringify({ plugins: { telemetry: { provider: 'marker', config: { reachable: false, reconnect_interval_ms: 50 } } } }));
    writeFileSync(
      join(root, 'app.mjs'),
      `import { initTelemetry } from '@secure-mcp-gateway/telemetry-core';
const status = await initTelemetry({ configPath: 'config.json' });
process.stderr.write('state ' + status.state + '\\n');`,
    );
    const result = await run(root, 'app.mjs');
    expect(result.stderr).toContain('state waiting');
    expect(result.stderr).toContain('marker: flushed on shutdown');
    expect(result.code).toBe(0);
  });

  it('a provider whose create() never settles: the host carries on with no-op telemetry and one warning', async () => {
    const root = makeProject('core-proc-');
    installPackage(root, '@secure-mcp-gateway/telemetry-provider-hang', { main: 'index.cjs' }, {
      'index.cjs': `const { defineProvider } = require('@secure-mcp-gateway/telemetry-core');
module.exports = defineProvider({ meta: { name: 'hang', version: '1.0.0', core: '*' }, create: () => new Promise(() => {}) });`,
    });
    writeFileSync(
      join(root, 'app.mjs'),
      `import { initTelemetry } from '@secure-mcp-gateway/telemetry-core';
const status = await initTelemetry({ provider: 'hang', createTimeoutMs: 200 });
process.stderr.write('after init ' + status.state + '\\n');`,
    );
    const result = await run(root, 'app.mjs');
    expect(result.stderr).toContain('after init noop');
    expect(result.stderr).toContain('telemetry WARNING: Telemetry provider "hang" failed to start: create() did not finish within 200 ms.');
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('flush and shutdown that never settle end at their deadlines, then the process exits', async () => {
    const root = makeProject('core-proc-');
    installPackage(root, '@secure-mcp-gateway/telemetry-provider-stuck', { main: 'index.cjs' }, {
      'index.cjs': `const { defineProvider, noopProvider } = require('@secure-mcp-gateway/telemetry-core');
module.exports = defineProvider({
  meta: { name: 'stuck', version: '1.0.0', core: '*' },
  create: (config, ctx) => ({ ...noopProvider.create({}, ctx), forceFlush: () => new Promise(() => {}), shutdown: () => new Promise(() => {}) }),
});`,
    });
    writeFileSync(
      join(root, 'app.mjs'),
      `import { flushTelemetry, initTelemetry, shutdownTelemetry } from '@secure-mcp-gateway/telemetry-core';
const status = await initTelemetry({ provider: 'stuck' });
process.stderr.write('init ' + status.state + '\\n');
process.stderr.write('flushed ' + (await flushTelemetry({ timeoutMs: 200 })) + '\\n');
process.stderr.write('shut down ' + (await shutdownTelemetry({ timeoutMs: 200 })) + '\\n');`,
    );
    const result = await run(root, 'app.mjs');
    expect(result.stderr).toContain('init active');
    expect(result.stderr).toContain('flush did not finish within 200 ms');
    expect(result.stderr).toContain('flushed false');
    expect(result.stderr).toContain('shutdown did not finish within 200 ms');
    expect(result.stderr).toContain('shut down false');
    expect(result.code).toBe(0);
  });

  it('writes nothing to stdout on any failure path; the warning and WARNING+ records go to stderr', async () => {
    const root = project();
    writeFileSync(join(root, 'bad.json'), '{ "plugins": { "telemetry": { "config": { "enabled": "yes" } } } ');
    writeFileSync(
      join(root, 'app.mjs'),
      `import { getLogger, initTelemetry } from '@secure-mcp-gateway/telemetry-core';
const log = getLogger('app');
log.info('starting');
log.warn('early warning', { api_key: 'sk-live-123' });
const a = await initTelemetry({ configPath: 'bad.json', stdoutReserved: true });
const b = await initTelemetry({ config: { plugins: { telemetry: { provider: 'nosuch' } } }, stdoutReserved: true });
const c = await initTelemetry({ provider: 'marker', config: { plugins: { telemetry: { config: { reachable: false, reconnect_interval_ms: 0 } } } }, stdoutReserved: true });
log.error('after init', { tool: 'echo' });
log.info('dropped');
process.stderr.write('states ' + [a.state, b.state, c.state].join(',') + '\\n');`,
    );
    const result = await run(root, 'app.mjs');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter(Boolean);
    expect(lines.filter((l) => l.includes('telemetry WARNING'))).toHaveLength(3);
    expect(lines.find((l) => l.includes('malformed JSON'))).toContain(join(root, 'bad.json'));
    expect(lines.some((l) => l.includes('pnpm add @secure-mcp-gateway/telemetry-provider-nosuch'))).toBe(true);
    expect(lines.some((l) => l.includes('marker backend down'))).toBe(true);
    const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.map((r) => r.event)).toEqual(['early warning', 'after init']);
    expect(result.stderr).not.toContain('sk-live-123');
    expect(result.stderr).toContain('states noop,noop,noop');
  });
});

describe('trace context with a logs-only provider', () => {
  it('init installs a context manager, so a span context set by the host flows through async work', async () => {
    const root = makeProject('core-proc-');
    writeFileSync(
      join(root, 'app.mjs'),
      `import { createRequire } from 'node:module';
import { activeTraceIds, extractTraceContext, initTelemetry, noopProvider } from '@secure-mcp-gateway/telemetry-core';
const { context } = createRequire(createRequire(import.meta.url).resolve('@secure-mcp-gateway/telemetry-core'))('@opentelemetry/api');
await initTelemetry({ provider: noopProvider, installShutdownHooks: false });
const incoming = extractTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' });
const ids = await context.with(incoming, async () => {
  await new Promise((r) => setTimeout(r, 5));
  return activeTraceIds();
});
process.stderr.write('ids=' + JSON.stringify(ids) + '\\n');`,
    );
    const result = await run(root, 'app.mjs');
    expect(result.stderr).toContain('ids={"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331"}');
    expect(result.code).toBe(0);
  });
});

describe('two copies of core in one process', () => {
  it('share one manager: a CJS-side lazy logger binds when the ESM side initialises', async () => {
    const root = makeProject('core-proc-');
    installPackage(root, '@acme/telemetry-provider-rec', { type: 'module', main: 'index.js' }, { 'index.js': providerSource('esm', { name: 'rec' }) });
    writeFileSync(join(root, 'lib.cjs'), `const { getLogger } = require('@secure-mcp-gateway/telemetry-core');\nconst log = getLogger('cjs.lib');\nlog.info('from the cjs copy before init');\nmodule.exports = { log };\n`);
    writeFileSync(
      join(root, 'app.mjs'),
      `import { createRequire } from 'node:module';
import { initTelemetry, TelemetryConfigManager } from '@secure-mcp-gateway/telemetry-core';
const { log } = createRequire(import.meta.url)('./lib.cjs');
const status = await initTelemetry({ provider: '@acme/rec', installShutdownHooks: false });
log.info('from the cjs copy after init');
const cjsCore = createRequire(import.meta.url)('@secure-mcp-gateway/telemetry-core');
const events = globalThis[Symbol.for('core-test.records')].map((r) => r.record.event);
process.stderr.write(JSON.stringify({ state: status.state, same: cjsCore.TelemetryConfigManager.instance() === TelemetryConfigManager.instance(), events }) + '\\n');`,
    );
    const result = await run(root, 'app.mjs');
    expect(JSON.parse(result.stderr)).toEqual({ state: 'active', same: true, events: ['from the cjs copy before init', 'from the cjs copy after init'] });
  });
});

describe('the OpenTelemetry globals from the published build', () => {
  // Core loads @opentelemetry/api-logs (an optional peer) with import() from both builds.
  it.each([
    ['esm', 'app.mjs', `import { createRequire } from 'node:module';
import { getTracer, initTelemetry } from '@secure-mcp-gateway/telemetry-core';
const fromCore = createRequire(createRequire(import.meta.url).resolve('@secure-mcp-gateway/telemetry-core'));
const { trace } = fromCore('@opentelemetry/api');
const { logs } = fromCore('@opentelemetry/api-logs');
const early = logs.getLogger('lib.early');
const status = await initTelemetry({ provider: '@acme/rec', installShutdownHooks: false });
`],
    ['cjs', 'app.cjs', `const { createRequire } = require('node:module');
const { getTracer, initTelemetry } = require('@secure-mcp-gateway/telemetry-core');
const fromCore = createRequire(require.resolve('@secure-mcp-gateway/telemetry-core'));
const { trace } = fromCore('@opentelemetry/api');
const { logs } = fromCore('@opentelemetry/api-logs');
const early = logs.getLogger('lib.early');
initTelemetry({ provider: '@acme/rec', installShutdownHooks: false }).then((status) => {
`],
  ])('%s: logs.getLogger() records reach the provider, trace.getTracer() is core getTracer()', async (format, file, head) => {
    const root = makeProject('core-proc-');
    installPackage(root, '@acme/telemetry-provider-rec', { main: 'index.cjs' }, { 'index.cjs': providerSource('cjs', { name: 'rec' }) });
    const body = `early.emit({ severityNumber: 17, body: 'taken before init' });
logs.getLogger('lib').emit({ severityNumber: 13, body: 'from api-logs', attributes: { n: 1 } });
const events = globalThis[Symbol.for('core-test.records')].map((r) => [r.record.level, r.record.logger, r.record.event]);
process.stderr.write(JSON.stringify({ state: status.state, same: trace.getTracer('x') === getTracer('x'), events }) + '\\n');`;
    writeFileSync(join(root, file), format === 'esm' ? `${head}${body}` : `${head}${body}\n});`);
    const result = await run(root, file);
    expect(JSON.parse(result.stderr)).toEqual({
      state: 'active',
      same: true,
      events: [
        ['ERROR', 'lib.early', 'taken before init'],
        ['WARNING', 'lib', 'from api-logs'],
      ],
    });
  });
});

describe('the published build', () => {
  it('states its own package.json version, and its conformance suite runs under node:test', async () => {
    const root = makeProject('core-proc-');
    const { version } = JSON.parse(readFileSync(join(CORE_DIR, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(root, 'version.mjs'),
      `import { createRequire } from 'node:module';
import { CORE_VERSION, ensureContextManager } from '@secure-mcp-gateway/telemetry-core';
const cjs = createRequire(import.meta.url)('@secure-mcp-gateway/telemetry-core');
// A fresh process has no context manager: the first call registers one, any later one (either copy) does not.
const registered = [ensureContextManager(), ensureContextManager(), cjs.ensureContextManager()].join(',');
process.stderr.write(CORE_VERSION + ' ' + cjs.CORE_VERSION + ' ' + registered);`,
    );
    writeFileSync(
      join(root, 'conformance.test.mjs'),
      `import { describe, it } from 'node:test';
import { createInMemoryProvider, describeProviderConformance } from '@secure-mcp-gateway/telemetry-core/testing';
const mem = createInMemoryProvider();
describeProviderConformance(mem.provider, { describe, it, harness: { readLogs: () => mem.jsonLogs() } });`,
    );
    const versions = await run(root, 'version.mjs');
    expect(versions.stderr).toBe(`${version} ${version} true,false,false`);
    const nodeTest = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['--test', '--test-reporter=tap', 'conformance.test.mjs'], { cwd: root });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) => resolve({ code, out }));
    });
    expect(nodeTest.out).toMatch(/# pass 10\b/);
    expect(nodeTest.out).toMatch(/# fail 0\b/);
    expect(nodeTest.code).toBe(0);
  });
});
