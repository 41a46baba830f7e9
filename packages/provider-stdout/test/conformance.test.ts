// The provider contract checks. Core's `describeProviderConformance` replaces the local
// equivalents below once @secure-mcp-gateway/telemetry-core/testing exports it.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fileHarness } from './helpers';

describe('provider contract (local equivalents of core conformance)', () => {
  it('logger(name) returns a TelemetryLogger whose records carry level, event, logger, context and fields', async () => {
    const h = await fileHarness();
    const log = h.instance.logger('conf');
    expect(log.name).toBe('conf');
    const child = log.child({ a: 1 });
    expect(child.name).toBe('conf');
    child.info('hello', { b: 2 });
    const [line] = await h.lines();
    expect(line).toMatchObject({ level: 'INFO', event: 'hello', logger: 'conf', a: 1, b: 2 });
    expect(typeof line!.time).toBe('string');
    await h.close();
  });

  it('forceFlush and shutdown resolve, are idempotent, and logging afterwards never throws', async () => {
    const h = await fileHarness();
    const log = h.instance.logger('conf');
    log.info('before');
    await h.instance.forceFlush();
    await h.instance.forceFlush();
    await h.instance.shutdown();
    await h.instance.shutdown();
    expect(() => log.error('after shutdown', { x: 1 })).not.toThrow();
    expect(() => h.instance.logger('late').info('late')).not.toThrow();
    const text = existsSync(h.file) ? readFileSync(h.file, 'utf8') : '';
    expect(text).toContain('"before"');
    expect(text).not.toContain('after shutdown');
    expect(h.instance.stats!()).toMatchObject({ droppedLogRecords: 2, failedExports: 0 });
    await h.close();
  });

  it('unknown or lower-case levels passed by untyped callers are logged, not lost', async () => {
    const h = await fileHarness();
    const log = h.instance.logger('conf');
    log.log('warn' as never, 'lower');
    log.log('nonsense' as never, 'unknown');
    expect((await h.lines()).map((l) => [l.event, l.level])).toEqual([
      ['lower', 'WARNING'],
      ['unknown', 'INFO'],
    ]);
    await h.close();
  });
});
