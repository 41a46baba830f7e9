import { describe, expect, it } from 'vitest';
import { defineProvider, formatLogRecord, isTelemetryProvider, isLevelEnabled, parseLogLevel } from '../src/index';

describe('defineProvider', () => {
  it('makes a frozen provider that isTelemetryProvider recognises', () => {
    const provider = defineProvider({
      meta: { name: 'x', version: '1.0.0', core: '^0.1.0' },
      create: () => {
        throw new Error('not called');
      },
    });
    expect(isTelemetryProvider(provider)).toBe(true);
    expect(Object.isFrozen(provider)).toBe(true);
    expect(isTelemetryProvider({ meta: provider.meta, create: provider.create })).toBe(false);
  });

  it('rejects a meta without a core range', () => {
    expect(() => defineProvider({ meta: { name: 'x', version: '1.0.0', core: '' }, create: () => ({}) as never })).toThrow(
      /meta\.core must be a non-empty string/,
    );
  });
});

describe('levels', () => {
  it('parses the Python gateway names and common aliases', () => {
    expect(parseLogLevel('warning')).toBe('WARNING');
    expect(parseLogLevel('WARN')).toBe('WARNING');
    expect(parseLogLevel('Critical')).toBe('CRITICAL');
    expect(parseLogLevel('verbose')).toBeUndefined();
  });
  it('orders levels', () => {
    expect(isLevelEnabled('WARNING', 'ERROR')).toBe(true);
    expect(isLevelEnabled('WARNING', 'INFO')).toBe(false);
  });
});

describe('formatLogRecord', () => {
  const base = { time: Date.UTC(2026, 0, 2, 3, 4, 5), level: 'ERROR' as const, event: 'real error', logger: 'gateway' };

  it('keeps the record keys when context or fields try to forge them', () => {
    const line = formatLogRecord({
      ...base,
      context: { level: 'DEBUG', logger: 'other' },
      fields: { event: 'spoof', time: 'x', trace_id: 'zzz', span_id: 'yyy', server: 'demo' },
    });
    expect(line).toEqual({ time: '2026-01-02T03:04:05.000Z', level: 'ERROR', logger: 'gateway', event: 'real error', server: 'demo' });
  });

  it('writes the trace ids of the record itself', () => {
    const line = formatLogRecord({ ...base, context: {}, fields: { trace_id: 'forged' }, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) });
    expect(line.trace_id).toBe('a'.repeat(32));
    expect(line.span_id).toBe('b'.repeat(16));
  });
});
