// API log records (@opentelemetry/api-logs) as core LogRecords, for providers without an OTel logger.
import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { levelOfSeverity, toLogRecord } from '../src/log-bridge';

describe('levelOfSeverity', () => {
  it.each([
    [1, 'DEBUG'], [4, 'DEBUG'], [5, 'DEBUG'], [8, 'DEBUG'], [9, 'INFO'], [12, 'INFO'],
    [13, 'WARNING'], [16, 'WARNING'], [17, 'ERROR'], [20, 'ERROR'], [21, 'CRITICAL'], [24, 'CRITICAL'], [99, 'CRITICAL'],
  ] as const)('severity number %i is %s', (n, level) => expect(levelOfSeverity(n)).toBe(level));

  it.each([
    ['trace', 'DEBUG'], ['Warn', 'WARNING'], ['fatal', 'CRITICAL'], [' error ', 'ERROR'], ['nonsense', 'INFO'], ['__proto__', 'INFO'],
  ] as const)('without a number, the text %j is %s', (text, level) => expect(levelOfSeverity(undefined, text)).toBe(level));

  it('defaults to INFO', () => {
    expect(levelOfSeverity(undefined)).toBe('INFO');
    expect(levelOfSeverity(0, undefined)).toBe('INFO');
  });
});

describe('toLogRecord', () => {
  const at = Date.parse('2031-05-06T07:08:09.123Z');

  it('reads every TimeInput form as the SDK does', () => {
    expect(toLogRecord({ timestamp: at }, 'l').time).toBe(at);
    expect(toLogRecord({ timestamp: new Date(at) }, 'l').time).toBe(at);
    expect(toLogRecord({ timestamp: [Math.floor(at / 1000), 123_000_000] }, 'l').time).toBe(at);
    // A performance.now() value (below the time origin) is relative to the origin.
    expect(toLogRecord({ timestamp: 250 }, 'l').time).toBeCloseTo(performance.timeOrigin + 250, 3);
    expect(toLogRecord({ observedTimestamp: at }, 'l').time).toBe(at);
    const before = Date.now();
    expect(toLogRecord({ timestamp: Number.NaN }, 'l').time).toBeGreaterThanOrEqual(before);
  });

  it('keeps a non-string body, the event name and the exception as fields; ids from the record context', () => {
    const error = new Error('boom');
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    const record = toLogRecord({ eventName: 'db.failure', body: { rows: 0 }, exception: error, attributes: { 'db.system': 'pg' }, context: ctx }, 'db');
    expect(record).toMatchObject({
      event: 'db.failure',
      logger: 'db',
      level: 'INFO',
      context: {},
      fields: { 'db.system': 'pg', body: { rows: 0 }, exception: error },
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(toLogRecord({}, 'empty')).toMatchObject({ event: '', fields: {} });
  });
});
