import { describe, expect, it } from 'vitest';
import { defineProvider, isTelemetryProvider, isLevelEnabled, parseLogLevel } from '../src/index';

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
