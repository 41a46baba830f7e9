// OTEL_PROPAGATORS decides what injectTraceContext/extractTraceContext (and propagation.*) do.
// One process per test file: the global propagator starts unregistered here.
import { propagation, ROOT_CONTEXT, trace, type TextMapPropagator } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { extractTraceContext, initTelemetry, injectTraceContext, noopProvider, shutdownTelemetry } from '../src/index';
import { plainObjectGetter } from '../src/context';
import { parsePropagators } from '../src/propagators';
import { captureWarnings } from './helpers';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const CARRIER = { traceparent: TRACEPARENT, baggage: 'tenant=acme' };

const warnings = captureWarnings();
afterAll(() => shutdownTelemetry({ timeoutMs: 1000 }));

const init = (OTEL_PROPAGATORS: string | undefined) =>
  initTelemetry({ provider: noopProvider, env: OTEL_PROPAGATORS === undefined ? {} : { OTEL_PROPAGATORS }, installShutdownHooks: false });

/** What a round trip through the global propagator keeps: the remote trace id and the baggage. */
function roundTrip(): Record<string, unknown> {
  const ctx = extractTraceContext({ ...CARRIER }, ROOT_CONTEXT);
  return injectTraceContext({}, ctx);
}

describe('OTEL_PROPAGATORS', () => {
  it('none, before anything else: registers no propagator, so the slot stays free for the application', async () => {
    await init('none');
    expect(roundTrip()).toEqual({});
    expect(propagation.fields()).toEqual([]);
    const mine: TextMapPropagator = { inject: () => {}, extract: (c) => c, fields: () => ['x-mine'] };
    expect(propagation.setGlobalPropagator(mine)).toBe(true);
    propagation.disable();
    expect(warnings()).toEqual([]);
  });

  it('unset: W3C trace context and baggage', async () => {
    await init(undefined);
    expect(propagation.fields()).toEqual(['traceparent', 'tracestate', 'baggage']);
    expect(roundTrip()).toEqual(CARRIER);
  });

  it('a re-init with another value swaps the propagator in place (the API slot is set-once)', async () => {
    await init('baggage');
    expect(roundTrip()).toEqual({ baggage: 'tenant=acme' });
    expect(trace.getSpanContext(extractTraceContext({ traceparent: TRACEPARENT }, ROOT_CONTEXT))).toBeUndefined();
    await init(' TraceContext ');
    expect(roundTrip()).toEqual({ traceparent: TRACEPARENT });
    await init('none');
    expect(roundTrip()).toEqual({});
    expect(propagation.fields()).toEqual([]);
    expect(warnings()).toEqual([]);
  });

  it('unknown and not-built-in names: one warning each, once per process; the known ones apply', async () => {
    await init('tracecontext,b3,nonsense');
    await init('tracecontext,b3,nonsense');
    const lines = warnings();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain('"b3" is not built in');
    expect(lines[0]).toContain('@opentelemetry/propagator-b3');
    expect(lines[1]).toContain('unknown propagator "nonsense" ignored (known: tracecontext, baggage, none)');
    expect(roundTrip()).toEqual({ traceparent: TRACEPARENT });
  });

  it('a value with nothing usable falls back to the default, and says so', async () => {
    await init('xray');
    expect(roundTrip()).toEqual(CARRIER);
    expect(warnings().some((l) => l.includes('using the default tracecontext,baggage'))).toBe(true);
  });

  it('telemetry disabled: still registered and applied', async () => {
    await initTelemetry({ env: { OTEL_SDK_DISABLED: 'true', OTEL_PROPAGATORS: 'tracecontext' }, installShutdownHooks: false });
    expect(roundTrip()).toEqual({ traceparent: TRACEPARENT });
  });
});

describe('parsePropagators', () => {
  it.each([
    [undefined, ['tracecontext', 'baggage']],
    ['', ['tracecontext', 'baggage']],
    [' , ', ['tracecontext', 'baggage']],
    ['baggage,tracecontext,baggage', ['baggage', 'tracecontext']],
    ['none', []],
    ['NONE', []],
  ])('%j -> %j', (value, names) => {
    expect(parsePropagators(value)).toEqual({ names, problems: [] });
  });

  it('none wins over other names, and says they are ignored', () => {
    expect(parsePropagators('tracecontext,none')).toEqual({ names: [], problems: ['OTEL_PROPAGATORS: "none" turns propagation off, so "tracecontext" is ignored'] });
  });

  it('quotes an unknown name bounded, never a prototype key lookup', () => {
    const { names, problems } = parsePropagators(`constructor,__proto__,${'x'.repeat(10_000)}`);
    expect(names).toEqual(['tracecontext', 'baggage']);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toContain('unknown propagator "constructor"');
    expect(problems[2]!.length).toBeLessThan(200);
  });
});

describe('the plain-object carrier getter', () => {
  it('reads own keys only, case-insensitively, and repeated values as arrays', () => {
    const carrier = Object.create({ traceparent: 'from the prototype' }) as Record<string, unknown>;
    expect(plainObjectGetter.get(carrier, 'traceparent')).toBeUndefined();
    expect(plainObjectGetter.get({ TraceParent: 'v' }, 'traceparent')).toBe('v');
    expect(plainObjectGetter.get({ baggage: ['a=1', 2, 'b=2'] }, 'baggage')).toEqual(['a=1', 'b=2']);
    expect(plainObjectGetter.get({ traceparent: { not: 'a string' } }, 'traceparent')).toBeUndefined();
    expect(plainObjectGetter.keys({ a: 1, b: 2 })).toEqual(['a', 'b']);
  });
});
