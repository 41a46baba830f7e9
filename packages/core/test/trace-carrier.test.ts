import { propagation, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractTraceContext, initTelemetry, noopProvider, readTraceCarrier, shutdownTelemetry, TRACE_CARRIER_LIMITS } from '../src/index';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('readTraceCarrier (bounded W3C trace context)', () => {
  // extractTraceContext parses through the global propagator, which init registers.
  beforeAll(() => initTelemetry({ provider: noopProvider, env: {}, installShutdownHooks: false }));
  afterAll(() => shutdownTelemetry({ timeoutMs: 1000 }));

  it('keeps the first 32 tracestate members and counts the rest', () => {
    const members = Array.from({ length: 40 }, (_, i) => `v${i}=x${i}`);
    const { carrier, dropped } = readTraceCarrier({ traceparent: TRACEPARENT, tracestate: members.join(',') });
    expect(carrier.tracestate?.split(',')).toEqual(members.slice(0, TRACE_CARRIER_LIMITS.tracestateMembers));
    expect(dropped.tracestate).toBe(8);
  });

  it('keeps baggage within 180 members and 8,192 bytes, in order, counting what it drops', () => {
    const many = Array.from({ length: 200 }, (_, i) => `k${i}=v`).join(',');
    const a = readTraceCarrier({ baggage: many });
    expect(a.carrier.baggage?.split(',')).toHaveLength(180);
    expect(a.carrier.baggage?.startsWith('k0=v,k1=v')).toBe(true);
    expect(a.dropped.baggage).toBe(20);

    const big = Array.from({ length: 100 }, (_, i) => `k${i}=${'x'.repeat(200)}`).join(',');
    const b = readTraceCarrier({ baggage: big });
    expect(Buffer.byteLength(b.carrier.baggage!)).toBeLessThanOrEqual(8192);
    const kept = b.carrier.baggage!.split(',');
    expect(kept.every((m, i) => m === `k${i}=${'x'.repeat(200)}`)).toBe(true);
    expect(kept.length + b.dropped.baggage).toBe(100);
  });

  it('drops an oversized member, never a cut fragment of one', () => {
    const { carrier, dropped } = readTraceCarrier({ baggage: `a=1,b=${'y'.repeat(5000)},c=3` });
    expect(carrier.baggage).toBe('a=1,c=3');
    expect(dropped.baggage).toBe(1);
  });

  it('reads 1 MB of baggage, header arrays and any-case names without parsing the excess', () => {
    const huge = Array.from({ length: 100_000 }, (_, i) => `key${i}=value`).join(',');
    const { carrier, dropped, truncated } = readTraceCarrier({ Baggage: [huge, 'z=1'], TraceParent: [TRACEPARENT] });
    expect(carrier.traceparent).toBe(TRACEPARENT);
    expect(carrier.baggage?.split(',')).toHaveLength(180);
    expect(dropped.baggage).toBe(100_001 - 180);
    expect(truncated).toBe(true);
  });

  it('ignores prototype names, non-strings and an overlong traceparent', () => {
    const meta = JSON.parse('{"__proto__": {"traceparent": "x"}, "baggage": 5}') as Record<string, unknown>;
    expect(readTraceCarrier(meta).carrier).toEqual({});
    expect(readTraceCarrier({ traceparent: `${TRACEPARENT}-${'a'.repeat(600)}` }).dropped.traceparent).toBe(1);
    expect(readTraceCarrier(null).truncated).toBe(false);
  });

  it('extractTraceContext applies the bounds before the W3C propagator parses the baggage', () => {
    const huge = Array.from({ length: 20_000 }, (_, i) => `key${i}=value${i}`).join(',');
    const ctx = extractTraceContext({ traceparent: TRACEPARENT, baggage: huge }, ROOT_CONTEXT);
    const baggage = propagation.getBaggage(ctx)!;
    expect(baggage.getAllEntries()).toHaveLength(TRACE_CARRIER_LIMITS.baggageMembers);
    expect(baggage.getEntry('key179')?.value).toBe('value179');
    expect(baggage.getEntry('key180')).toBeUndefined();
    expect(baggage.getEntry('__proto__')).toBeUndefined();
    expect(trace.getSpanContext(ctx)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    const proto = extractTraceContext({ baggage: '__proto__=polluted,constructor=x' }, ROOT_CONTEXT);
    // The W3C propagator collects entries in a plain object: `__proto__` is lost, never a prototype.
    expect(propagation.getBaggage(proto)?.getEntry('constructor')?.value).toBe('x');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
