import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { ConfigError, defineProvider, getLogger, noopProvider, TelemetryConfigManager, type ProviderInstance, type TelemetryStatus } from '../src/index';
import { createInMemoryProvider } from '../src/testing/index';
import { installPackage, makeProject, providerSource, records } from './helpers';

let stderr: MockInstance;
const stderrText = (): string => stderr.mock.calls.map((c) => String(c[0])).join('');
const warnings = (): string[] => stderrText().split('\n').filter((l) => l.includes('telemetry WARNING'));

const managers: TelemetryConfigManager[] = [];
function manager(): TelemetryConfigManager {
  const m = new TelemetryConfigManager();
  managers.push(m);
  return m;
}

beforeEach(() => {
  stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  await Promise.all(managers.splice(0).map((m) => m.shutdown({ timeoutMs: 500 })));
  stderr.mockRestore();
});

function configFile(config: unknown, raw?: string): { dir: string; file: string } {
  const dir = makeProject('core-mgr-');
  const file = join(dir, 'enkrypt_mcp_config.json');
  writeFileSync(file, raw ?? JSON.stringify(config));
  return { dir, file };
}

/** Asserts the one-warning, still-running, no-op outcome of a bad input. */
async function expectNoopWithOneWarning(status: TelemetryStatus, m: TelemetryConfigManager, ...mustContain: string[]): Promise<string> {
  expect(status.state).toBe('noop');
  const lines = warnings();
  expect(lines).toHaveLength(1);
  for (const text of mustContain) expect(lines[0]).toContain(text);
  expect(lines[0]).toContain('Telemetry is off: nothing is exported; log records at WARNING and above still go to stderr as JSON lines; the gateway keeps running.');
  expect(stderrText()).not.toMatch(/\n\s+at /); // no stack trace
  // The process keeps running on no-op telemetry: every handle works and nothing throws.
  const logger = m.getLogger('after-failure');
  logger.info('still fine');
  m.getTracer('t').startActiveSpan('s', (span) => span.end());
  m.getMeter('m').createCounter('c').add(1);
  await m.forceFlush();
  return lines[0] ?? '';
}

describe('TelemetryConfigManager bad input: one clear warning, then no-op', () => {
  it('malformed JSON names the file, line and column', async () => {
    const m = manager();
    const { file } = configFile(undefined, '{ "plugins": { "telemetry": { "provider": "stdout" } }\n,, }');
    const status = await m.init({ configPath: file, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, `Cannot read ${file}: line 2, column`, 'malformed JSON');
  });

  it('enabled: "yes" names the JSON path and the value', async () => {
    const m = manager();
    const { file } = configFile({ plugins: { telemetry: { provider: 'x', config: { enabled: 'yes' } } } });
    const status = await m.init({ configPath: file, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, file, 'plugins.telemetry.config.enabled: expected boolean, got string "yes"');
  });

  it('an unknown log level names common_mcp_gateway_config.enkrypt_log_level', async () => {
    const m = manager();
    const status = await m.init({ config: { common_mcp_gateway_config: { enkrypt_log_level: 'LOUD' } }, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'options.config', 'common_mcp_gateway_config.enkrypt_log_level: unknown log level "LOUD"');
  });

  it('a URL without host or port names plugins.telemetry.config.url', async () => {
    const m = manager();
    const status = await m.init({ config: { plugins: { telemetry: { config: { url: 'http://:4317' } } } }, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'plugins.telemetry.config.url: URL "http://:4317" has no host');
  });

  it('a bad OTEL_* variable is named and ignored; telemetry stays on with the rest', async () => {
    const m = manager();
    const provider = createInMemoryProvider();
    const status = await m.init({ provider: provider.provider, env: { OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli', OTEL_SERVICE_NAME: 'from-env' }, installShutdownHooks: false });
    expect(status.state).toBe('active');
    expect(status.settings).toMatchObject({ compression: 'none', serviceName: 'from-env' });
    expect(warnings()).toEqual([
      'secure-mcp-gateway telemetry WARNING: environment variable OTEL_EXPORTER_OTLP_COMPRESSION: expected one of "gzip", "none", got "brotli"; it is ignored, the other settings apply.',
    ]);
  });

  it('an unknown provider name lists what was tried and the install command', async () => {
    const m = manager();
    const { dir, file } = configFile({ plugins: { telemetry: { provider: 'nosuch' } } });
    const status = await m.init({ configPath: file, cwd: dir, installShutdownHooks: false });
    await expectNoopWithOneWarning(
      status,
      m,
      `Telemetry provider "nosuch" is not installed: tried @secure-mcp-gateway/telemetry-provider-nosuch from ${dir}`,
      'pnpm add @secure-mcp-gateway/telemetry-provider-nosuch',
      'npm install @secure-mcp-gateway/telemetry-provider-nosuch',
    );
    expect(status.provider).toBe('nosuch');
  });

  it('a package whose default export is not a provider', async () => {
    const m = manager();
    const { dir, file } = configFile({ plugins: { telemetry: { provider: 'notone' } } });
    installPackage(dir, '@secure-mcp-gateway/telemetry-provider-notone', { type: 'module', main: 'index.js' }, { 'index.js': 'export default function create() {}\n' });
    const status = await m.init({ configPath: file, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'Telemetry provider "notone"', 'does not export a provider', 'defineProvider()');
  });

  it('a provider whose meta.core range does not match', async () => {
    const m = manager();
    const { dir, file } = configFile({ plugins: { telemetry: { provider: 'future' } } });
    installPackage(dir, '@secure-mcp-gateway/telemetry-provider-future', { type: 'module', main: 'index.js' }, { 'index.js': providerSource('esm', { name: 'future', core: '>=2.0.0' }) });
    const status = await m.init({ configPath: file, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'needs @secure-mcp-gateway/telemetry-core >=2.0.0, but this is');
  });

  it('a provider whose create throws', async () => {
    const m = manager();
    const provider = defineProvider({ meta: { name: 'thrower', version: '1.0.0', core: '*' }, create: () => { throw new Error('no socket for you'); } });
    const status = await m.init({ provider, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'Telemetry provider "thrower" failed to start: create() threw: no socket for you.');
  });

  it('a provider whose create hangs past the deadline (and is shut down if it ever finishes)', async () => {
    const m = manager();
    const mem = createInMemoryProvider();
    let finish: () => void = () => undefined;
    const provider = defineProvider({
      meta: { name: 'slow', version: '1.0.0', core: '*' },
      create: (config, ctx) => new Promise((resolve) => { finish = () => resolve(mem.provider.create(config, ctx)); }),
    });
    const status = await m.init({ provider, createTimeoutMs: 50, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'Telemetry provider "slow" failed to start: create() did not finish within 50 ms.');
    finish();
    await new Promise((r) => setTimeout(r, 10));
    mem.instances[0]?.logger('late').error('after shutdown');
    expect(mem.logs).toHaveLength(0);
  });

  it("a provider config its configSchema rejects names the path under plugins.telemetry.config", async () => {
    const m = manager();
    const provider = defineProvider<{ port: number }>({
      meta: { name: 'picky', version: '1.0.0', core: '*' },
      configSchema: {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: (value) =>
            typeof (value as { port?: unknown }).port === 'number'
              ? { value: value as { port: number } }
              : { issues: [{ message: 'expected a port number', path: [{ key: 'port' }] }] },
        },
      },
      create: () => noopProvider.create({}, {} as never),
    });
    const status = await m.init({ provider, config: { plugins: { telemetry: { config: { port: 'x' } } } }, installShutdownHooks: false });
    await expectNoopWithOneWarning(status, m, 'Invalid picky provider configuration in options.config: plugins.telemetry.config.port: expected a port number.');
  });

  it('strict mode throws instead', async () => {
    const m = manager();
    await expect(m.init({ config: { plugins: { telemetry: { config: { enabled: 1 } } } }, strict: true, installShutdownHooks: false })).rejects.toBeInstanceOf(ConfigError);
    expect(m.status().state).toBe('noop');
  });

  it('disabled telemetry is a plain notice, not a failure', async () => {
    const m = manager();
    const status = await m.init({ provider: noopProvider, env: { OTEL_SDK_DISABLED: 'true' }, installShutdownHooks: false });
    expect(status).toMatchObject({
      state: 'noop',
      reason: 'Telemetry is disabled (OTEL_SDK_DISABLED=true): nothing is exported; log records at WARNING and above still go to stderr as JSON lines.',
    });
    expect(warnings()).toHaveLength(0);
    expect(stderrText()).toContain('secure-mcp-gateway telemetry: Telemetry is disabled (OTEL_SDK_DISABLED=true)');
  });

  it('the disabled notice says what still reaches stderr, and it does', async () => {
    const m = manager();
    const config = { common_mcp_gateway_config: { enkrypt_log_level: 'ERROR' }, plugins: { telemetry: { config: { enabled: false } } } };
    const status = await m.init({ config, installShutdownHooks: false });
    expect(status.reason).toBe('Telemetry is disabled (plugins.telemetry.config.enabled is false): nothing is exported; log records at ERROR and above still go to stderr as JSON lines.');
    stderr.mockClear();
    const log = m.getLogger('after-disable');
    log.info('info_dropped');
    log.warn('warning_dropped');
    log.error('error_kept', { code: 7 });
    const lines = stderrText().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', logger: 'after-disable', event: 'error_kept', code: 7 });

    const m2 = manager();
    const atInfo = await m2.init({ config: { plugins: { telemetry: { config: { enabled: false } } } }, installShutdownHooks: false });
    expect(atInfo.reason).toContain('log records at WARNING and above still go to stderr as JSON lines');
    stderr.mockClear();
    m2.getLogger('x').warn('warning_kept');
    expect(JSON.parse(stderrText().trim())).toMatchObject({ level: 'WARNING', event: 'warning_kept' });
  });
});

describe('TelemetryConfigManager lifecycle', () => {
  it('loads a provider by name from a package installed next to the config file, with its config', async () => {
    const m = manager();
    const { dir, file } = configFile({
      common_mcp_gateway_config: { enkrypt_log_level: 'DEBUG' },
      plugins: { telemetry: { provider: '@acme/jsonish', config: { url: 'http://127.0.0.1:4317', vendor_option: 42 } } },
    });
    installPackage(dir, '@acme/telemetry-provider-jsonish', { type: 'module', exports: { '.': { import: './index.js' } } }, {
      'index.js': providerSource('esm', { name: 'jsonish' }),
    });
    const early = m.getLogger('gateway.startup', { phase: 'boot' });
    early.debug('loaded before init');
    const status = await m.init({ configPath: file, cwd: '/', installShutdownHooks: false });
    expect(status).toMatchObject({ state: 'active', provider: 'jsonish', settings: { provider: '@acme/jsonish', logLevel: 'DEBUG' } });
    early.info('after init', { n: 1 });
    const mine = records().filter((r) => r.provider === 'jsonish');
    expect(mine.map((r) => [r.record.event, r.record.level, r.record.context])).toEqual([
      ['loaded before init', 'DEBUG', { phase: 'boot' }],
      ['after init', 'INFO', { phase: 'boot' }],
    ]);
    expect(mine[0]?.config).toMatchObject({ vendor_option: 42, url: 'http://127.0.0.1:4317' });
    expect(warnings()).toHaveLength(0);
  });

  it('waits while the backend is unreachable, then switches on without a restart', async () => {
    const m = manager();
    let reachable = false;
    const mem = createInMemoryProvider({ connectivity: () => reachable });
    const seen: string[] = [];
    m.onStatusChange((s) => seen.push(s.state));
    const logger = m.getLogger('svc');
    const counter = m.getMeter('svc').createCounter('requests_total');
    const status = await m.init({ provider: mem.provider, config: { plugins: { telemetry: { config: { reconnect_interval_ms: 20 } } } }, installShutdownHooks: false });
    expect(status.state).toBe('waiting');
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toContain('Telemetry backend for provider "in-memory" at http://localhost:4317 is unreachable: in-memory backend unreachable. the test made it unreachable.');
    expect(warnings()[0]).toContain('re-checking every 20 ms');
    logger.info('while waiting');
    counter.add(1);
    expect(mem.logs).toHaveLength(0);
    reachable = true;
    await vi.waitFor(() => expect(m.status().state).toBe('active'), { timeout: 2000, interval: 10 });
    logger.info('after reconnect');
    counter.add(2);
    expect(mem.logs.map((r) => r.event)).toEqual(['after reconnect']);
    expect(mem.counterValue('requests_total')).toBe(2);
    expect(seen).toEqual(['waiting', 'active']);
    expect(warnings()).toHaveLength(1);
  });

  it('treats a hanging connectivity check as unreachable', async () => {
    const m = manager();
    const mem = createInMemoryProvider({ connectivity: () => new Promise<boolean>(() => undefined) });
    const status = await m.init({
      provider: mem.provider,
      config: { common_mcp_gateway_config: { timeout_settings: { connectivity_timeout: 0.05 } }, plugins: { telemetry: { config: { reconnect_interval_ms: 0 } } } },
      installShutdownHooks: false,
    });
    expect(status.state).toBe('noop');
    expect(status.reason).toContain('the connectivity check did not answer within 50 ms');
    expect(warnings()).toHaveLength(1);
  });

  it('flush and shutdown never hang and are idempotent', async () => {
    const m = manager();
    let shutdowns = 0;
    const provider = defineProvider({
      meta: { name: 'stuck', version: '1.0.0', core: '*' },
      create: () => ({
        ...(noopProvider.create({}, {} as never) as ProviderInstance),
        forceFlush: () => new Promise<void>(() => undefined),
        shutdown: () => {
          shutdowns += 1;
          return new Promise<void>(() => undefined);
        },
      }) as never,
    });
    await m.init({ provider, installShutdownHooks: false });
    expect(m.status().state).toBe('active');
    expect(await m.forceFlush({ timeoutMs: 30 })).toBe(false);
    const first = m.shutdown({ timeoutMs: 30 });
    const second = m.shutdown({ timeoutMs: 30 });
    expect(second).toBe(first);
    expect(await first).toBe(false);
    expect(await m.shutdown()).toBe(false);
    expect(shutdowns).toBe(1);
    expect(m.status().state).toBe('noop');
    expect(stderrText()).toContain('shutdown did not finish within 30 ms');
  });

  it('a second init replaces the first provider', async () => {
    const m = manager();
    const a = createInMemoryProvider({ name: 'a' });
    const b = createInMemoryProvider({ name: 'b' });
    const logger = m.getLogger('x');
    await m.init({ provider: a.provider, installShutdownHooks: false });
    logger.info('one');
    await m.init({ provider: b.provider, installShutdownHooks: false });
    logger.info('two');
    expect(a.logs.map((r) => r.event)).toEqual(['one']);
    expect(b.logs.map((r) => r.event)).toEqual(['two']);
    expect(m.status().provider).toBe('b');
  });

  it('options.provider overrides ENKRYPT_TELEMETRY_PROVIDER, which overrides the file', async () => {
    const m = manager();
    const status = await m.init({
      config: { plugins: { telemetry: { provider: 'from-file' } } },
      env: { ENKRYPT_TELEMETRY_PROVIDER: 'from-env' },
      installShutdownHooks: false,
    });
    expect(status.settings?.provider).toBe('from-env');
    expect(warnings()[0]).toContain('Telemetry provider "from-env" is not installed');
  });

  it('is one instance per process, kept under Symbol.for', () => {
    const key = Symbol.for('secure-mcp-gateway.telemetry-manager');
    const instance = TelemetryConfigManager.instance();
    expect(TelemetryConfigManager.instance()).toBe(instance);
    expect((globalThis as Record<symbol, unknown>)[key]).toBe(instance);
    expect(getLogger('x').name).toBe('x');
  });

  it('installs shutdown hooks once and removes them', () => {
    const m = manager();
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM'), exit: process.listenerCount('beforeExit') };
    m.installShutdownHooks();
    m.installShutdownHooks();
    expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
    expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
    expect(process.listenerCount('beforeExit')).toBe(before.exit + 1);
    m.removeShutdownHooks();
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
    expect(process.listenerCount('beforeExit')).toBe(before.exit);
  });
});

describe('status and diagnostics', () => {
  it('masks export headers in the status it hands out', async () => {
    const m = manager();
    const mem = createInMemoryProvider();
    const status = await m.init({ provider: mem.provider, config: { plugins: { telemetry: { config: { headers: { authorization: 'Bearer s3cret' } } } } }, installShutdownHooks: false });
    expect(status.settings?.headers).toEqual({ authorization: '[REDACTED]' });
    expect(JSON.stringify(m.status())).not.toContain('s3cret');
  });

  it('gives providers a stderr diagnostics channel that is readable, redacted and rate-limited per message', async () => {
    const { createDiagnostics } = await import('../src/index');
    let now = 0;
    const lines: string[] = [];
    const diagnostics = createDiagnostics({ source: 'opentelemetry', write: (l) => lines.push(l), now: () => now });
    diagnostics.warn('export failed', { endpoint: 'http://127.0.0.1:4317', authorization: 'Bearer x' });
    diagnostics.warn('export failed', { endpoint: 'http://127.0.0.1:4317' });
    diagnostics.warn('export failed');
    diagnostics.error('queue full');
    diagnostics.debug('noise');
    now = 31_000;
    diagnostics.warn('export failed');
    expect(lines).toEqual([
      'secure-mcp-gateway telemetry (opentelemetry) WARN: export failed endpoint=http://127.0.0.1:4317 authorization=[REDACTED]',
      'secure-mcp-gateway telemetry (opentelemetry) ERROR: queue full',
      'secure-mcp-gateway telemetry (opentelemetry) WARN: export failed (2 more like this suppressed)',
    ]);
  });
});

describe('config given inline', () => {
  it('uses configPath only to anchor provider paths when config is given too', async () => {
    const m = manager();
    const { dir, file } = configFile({});
    writeFileSync(join(dir, 'local-provider.mjs'), providerSource('esm', { name: 'local-inline' }));
    const status = await m.init({ config: { plugins: { telemetry: { provider: './local-provider.mjs' } } }, configPath: file, cwd: '/', installShutdownHooks: false });
    expect(status).toMatchObject({ state: 'active', provider: 'local-inline' });
  });
});

describe('credentials in the endpoint URL', () => {
  const SECRET = 's3cr3tT0ken';
  const QUERY_SECRET = 'q5ecretV4lue';

  it('never reach stderr, status.reason or status().settings.url; the provider still gets the real URL', async () => {
    const m = manager();
    const url = `https://user:${SECRET}@collector.example:4318/v1?api_key=${QUERY_SECRET}&tenant=acme`;
    let reachable = false;
    let given: string | undefined;
    const provider = defineProvider({
      meta: { name: 'url-echo', version: '1.0.0', core: '*' },
      create: (_config, ctx) => {
        given = ctx.settings.url;
        return {
          ...(noopProvider.create({}, ctx) as ProviderInstance),
          // A careless provider that puts the endpoint in its detail: core scrubs it too.
          checkConnectivity: async () => ({ ok: reachable, detail: `cannot connect to ${ctx.settings.url}` }),
        };
      },
    });
    const statuses: TelemetryStatus[] = [];
    m.onStatusChange((s) => statuses.push(s));
    const status = await m.init({ provider, config: { plugins: { telemetry: { config: { url, reconnect_interval_ms: 20 } } } }, installShutdownHooks: false });
    expect(given).toBe(url);
    expect(status.state).toBe('waiting');
    expect(status.reason).toContain('at https://collector.example:4318/v1?api_key=[REDACTED]&tenant=acme is unreachable');
    expect(status.settings?.url).toBe('https://collector.example:4318/v1?api_key=[REDACTED]&tenant=acme');
    reachable = true;
    await vi.waitFor(() => expect(m.status().state).toBe('active'), { timeout: 2000, interval: 10 });
    expect(stderrText()).toContain('telemetry backend at https://collector.example:4318/v1?api_key=[REDACTED]&tenant=acme is reachable now');
    await m.shutdown();
    for (const text of [stderrText(), JSON.stringify(m.status()), JSON.stringify(statuses)]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(QUERY_SECRET);
      expect(text).not.toContain('user:');
    }
  });

  it('are not echoed by the errors a bad URL raises (file, environment, unparseable)', async () => {
    const bad = [`http://user:${SECRET}@:4317`, `http://user:${SECRET}@collector`, `ftp://user:${SECRET}@collector:21`, `http://user:${SECRET}/x@collector:port`];
    for (const url of bad) {
      const m = manager();
      const status = await m.init({ config: { plugins: { telemetry: { config: { url } } } }, installShutdownHooks: false });
      expect(status.state).toBe('noop');
      expect(status.reason).toContain('plugins.telemetry.config.url');
      expect(status.reason).not.toContain(SECRET);
      // From the environment: ignored with a warning naming the variable, telemetry stays on.
      const env = await manager().init({ provider: noopProvider, env: { OTEL_EXPORTER_OTLP_ENDPOINT: url }, installShutdownHooks: false });
      expect(env.state).toBe('active');
      expect(warnings().at(-1)).toContain('environment variable OTEL_EXPORTER_OTLP_ENDPOINT');
    }
    expect(warnings()).toHaveLength(bad.length * 2);
    expect(stderrText()).not.toContain(SECRET);
    // Still says what is wrong and where.
    expect(stderrText()).toContain('URL "http://collector" has no port');
  });
});

describe('WARNING+ records written before init while the backend is unreachable', () => {
  const count = (text: string, needle: string): number => text.split(needle).length - 1;

  it('are printed to stderr once, and delivered to the provider when it binds', async () => {
    const m = manager();
    let reachable = false;
    const mem = createInMemoryProvider({ connectivity: () => reachable });
    const logger = m.getLogger('early');
    logger.warn('early warning');
    logger.info('early info');
    const status = await m.init({ provider: mem.provider, config: { plugins: { telemetry: { config: { reconnect_interval_ms: 20 } } } }, installShutdownHooks: false });
    expect(status.state).toBe('waiting');
    expect(count(stderrText(), '"event":"early warning"')).toBe(1);
    expect(stderrText()).not.toContain('early info');
    reachable = true;
    await vi.waitFor(() => expect(m.status().state).toBe('active'), { timeout: 2000, interval: 10 });
    expect(mem.logs.map((r) => r.event)).toEqual(['early warning', 'early info']);
    await m.shutdown();
    expect(count(stderrText(), '"event":"early warning"')).toBe(1);
  });

  it('are printed once when the backend never answers, through shutdown and a second init', async () => {
    const m = manager();
    const mem = createInMemoryProvider({ connectivity: false });
    const logger = m.getLogger('early');
    logger.error('early error');
    await m.init({ provider: mem.provider, config: { plugins: { telemetry: { config: { reconnect_interval_ms: 60_000 } } } }, installShutdownHooks: false });
    expect(count(stderrText(), '"event":"early error"')).toBe(1);
    await m.init({ provider: noopProvider, installShutdownHooks: false });
    await m.shutdown();
    expect(count(stderrText(), '"event":"early error"')).toBe(1);
    expect(mem.logs).toHaveLength(0);
  });
});
