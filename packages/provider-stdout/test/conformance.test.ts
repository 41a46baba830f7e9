import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeProviderConformance } from '@secure-mcp-gateway/telemetry-core/testing';
import { describe, expect, it } from 'vitest';
import { stdoutProvider } from '../src/index';
import { fileHarness } from './helpers';

// Core's suite. Every instance it creates appends to one file; its events are unique, so reading
// the whole file back is enough.
const logFile = join(mkdtempSync(join(tmpdir(), 'provider-stdout-conformance-')), 'conformance.log');
describeProviderConformance(stdoutProvider, {
  describe,
  it,
  harness: {
    config: { destination: logFile, format: 'auto', url: 'http://localhost:4317', service_name: 'conformance' },
    // The stdout check runs with the riskiest destination: stdoutReserved must still keep every byte off stdout.
    stdoutCheckConfig: { destination: 'stdout', format: 'json' },
    readLogs: () =>
      existsSync(logFile)
        ? readFileSync(logFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => JSON.parse(line) as Record<string, unknown>)
        : [],
  },
});

// Contract details the shared suite leaves out.
describe('provider contract: further checks', () => {
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
