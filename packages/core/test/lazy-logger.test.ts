import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { defineProvider, ensureContextManager, noopProvider, REDACTED, TelemetryConfigManager, type LogRecord } from '../src/index';
import { createInMemoryProvider } from '../src/testing/index';

let stderr: MockInstance;
const stderrLines = (): string[] => stderr.mock.calls.map((c) => String(c[0])).join('').split('\n').filter(Boolean);
const managers: TelemetryConfigManager[] = [];
function manager(options?: { bufferLimit?: number }): TelemetryConfigManager {
  const m = new TelemetryConfigManager(options);
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

const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });

describe('getLogger before init', () => {
  it('buffers records and replays them on bind with their original time and trace ids (emit)', async () => {
    ensureContextManager();
    const m = manager();
    const logger = m.getLogger('gateway.boot');
    const { context } = await import('@opentelemetry/api');
    const before = Date.now();
    context.with(parent, () => logger.warn('written before init', { port: 8080 }));
    await new Promise((r) => setTimeout(r, 15));
    const mem = createInMemoryProvider();
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    const [record] = mem.logs;
    expect(record).toMatchObject({
      event: 'written before init',
      level: 'WARNING',
      logger: 'gateway.boot',
      fields: { port: 8080 },
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    });
    expect(record!.time).toBeGreaterThanOrEqual(before);
    expect(record!.time).toBeLessThan(Date.now() - 10);
  });

  it('replays through logger() when the provider has no emit, keeping trace ids and bindings', async () => {
    ensureContextManager();
    const m = manager();
    const mem = createInMemoryProvider();
    const withoutEmit = defineProvider({
      meta: { name: 'no-emit', version: '1.0.0', core: '*' },
      create: async (config, ctx) => {
        const { emit: _drop, ...rest } = await mem.provider.create(config as never, ctx);
        return rest;
      },
    });
    const { context } = await import('@opentelemetry/api');
    const child = m.getLogger('svc', { a: 1 }).child({ b: 2 });
    context.with(parent, () => child.error('early', { c: 3 }));
    await m.init({ provider: withoutEmit, installShutdownHooks: false });
    expect(mem.logs).toHaveLength(1);
    expect(mem.logs[0]).toMatchObject({ event: 'early', level: 'ERROR', context: { a: 1, b: 2 }, fields: { c: 3 }, traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' });
  });

  it('drops buffered records below the configured level on replay', async () => {
    const m = manager();
    const logger = m.getLogger('x');
    logger.debug('debug before');
    logger.info('info before');
    expect(logger.isLevelEnabled('DEBUG')).toBe(true);
    const mem = createInMemoryProvider();
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    expect(mem.logs.map((r) => r.event)).toEqual(['info before']);
    expect(logger.isLevelEnabled('DEBUG')).toBe(false);
  });

  it('keeps a bounded buffer and reports the overflow once', async () => {
    const m = manager({ bufferLimit: 3 });
    const logger = m.getLogger('x');
    for (let i = 1; i <= 5; i += 1) logger.info(`r${i}`);
    const mem = createInMemoryProvider();
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    expect(mem.logs.map((r) => r.event)).toEqual(['r3', 'r4', 'r5']);
    const overflow = stderrLines().filter((l) => l.includes('were dropped'));
    expect(overflow).toEqual(['secure-mcp-gateway telemetry WARN: 2 log record(s) written before telemetry started were dropped (the buffer keeps the last 3)']);
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    expect(stderrLines().filter((l) => l.includes('were dropped'))).toHaveLength(1);
  });

  it('child bindings work before and after binding', async () => {
    const m = manager();
    const base = m.getLogger('svc', { service: 'gw' });
    const child = base.child({ request_id: 'r1' });
    child.info('before');
    const mem = createInMemoryProvider();
    await m.init({ provider: mem.provider, installShutdownHooks: false });
    child.info('after');
    base.child({ tool: 't' }).info('new child');
    base.info('base');
    expect(mem.logs.map((r) => [r.event, r.context])).toEqual([
      ['before', { service: 'gw', request_id: 'r1' }],
      ['after', { service: 'gw', request_id: 'r1' }],
      ['new child', { service: 'gw', tool: 't' }],
      ['base', { service: 'gw' }],
    ]);
  });
});

describe('getLogger with telemetry off', () => {
  it('still writes WARNING and above to stderr as JSON lines, secrets redacted; INFO is dropped', async () => {
    const m = manager();
    const logger = m.getLogger('auth', { gateway_key: 'gk-secret' });
    logger.info('early info');
    logger.warn('early warning');
    await m.init({ provider: noopProvider, config: { plugins: { telemetry: { config: { enabled: false } } } }, installShutdownHooks: false });
    logger.info('late info');
    logger.error('late error', { authorization: 'Bearer abc', user: 'u1' });
    const json = stderrLines().filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(json.map((r) => [r.level, r.event])).toEqual([
      ['WARNING', 'early warning'],
      ['ERROR', 'late error'],
    ]);
    expect(json[1]).toMatchObject({ logger: 'auth', gateway_key: REDACTED, authorization: REDACTED, user: 'u1' });
    expect(typeof json[1]!.time).toBe('string');
    expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toContain('gk-secret');
    expect(logger.isLevelEnabled('INFO')).toBe(false);
    expect(logger.isLevelEnabled('ERROR')).toBe(true);
  });

  it('respects a threshold above WARNING', async () => {
    const m = manager();
    const logger = m.getLogger('x');
    await m.init({ provider: noopProvider, config: { common_mcp_gateway_config: { enkrypt_log_level: 'ERROR' }, plugins: { telemetry: { config: { enabled: false } } } }, installShutdownHooks: false });
    logger.warn('quiet');
    logger.critical('loud');
    const events = stderrLines().filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as LogRecord).event);
    expect(events).toEqual(['loud']);
  });
});
