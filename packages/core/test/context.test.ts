import { context, propagation, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { beforeAll, describe, expect, it } from 'vitest';
import { activeTraceIds, ensureContextManager, extractTraceContext, initTelemetry, injectTraceContext, isSecretKey, noopProvider, redactSecrets, REDACTED } from '../src/index';
import { createInMemoryProvider } from '../src/testing/index';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('context helpers', () => {
  // inject/extract use the global propagator, which init registers (OTEL_PROPAGATORS unset: W3C trace context + baggage).
  beforeAll(() => initTelemetry({ provider: noopProvider, env: {}, installShutdownHooks: false }));

  it('ensureContextManager registers a working context manager once', () => {
    ensureContextManager();
    expect(ensureContextManager()).toBe(false);
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
    return context.with(ctx, async () => {
      await new Promise((r) => setTimeout(r, 1));
      expect(activeTraceIds()).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    });
  });

  it('activeTraceIds is empty outside a span', () => {
    expect(context.with(ROOT_CONTEXT, () => activeTraceIds())).toEqual({});
  });

  it('extracts traceparent, tracestate and baggage from MCP params._meta, and injects them back', () => {
    const meta = { traceparent: TRACEPARENT, tracestate: 'vendor=abc,other=1', baggage: 'tenant=acme,user%20tier=gold;ttl=3', progressToken: 1 };
    const ctx = extractTraceContext(meta, ROOT_CONTEXT);
    const sc = trace.getSpanContext(ctx);
    expect(sc).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(sc?.traceState?.get('vendor')).toBe('abc');
    expect(propagation.getBaggage(ctx)?.getEntry('user tier')?.value).toBe('gold');
    const out = injectTraceContext({ progressToken: 2 } as Record<string, unknown>, ctx);
    expect(out).toEqual({ progressToken: 2, traceparent: TRACEPARENT, tracestate: 'vendor=abc,other=1', baggage: 'tenant=acme,user%20tier=gold;ttl=3' });
  });

  it('continues an incoming trace through the in-memory provider (child of the remote parent)', async () => {
    const mem = createInMemoryProvider();
    const instance = await mem.provider.create({}, { settings: { logLevel: 'INFO' } } as never);
    const tracer = instance.tracer('t');
    const parentCtx = extractTraceContext({ traceparent: TRACEPARENT }, ROOT_CONTEXT);
    const carrier: Record<string, unknown> = {};
    tracer.startActiveSpan('tools/call echo', {}, parentCtx, (span) => {
      injectTraceContext(carrier);
      span.end();
    });
    expect(mem.spans[0]).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7' });
    expect(carrier.traceparent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${mem.spans[0]!.spanId}-01`);
  });

  it.each([
    ['garbage'],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra'],
    ['00-4BF92F3577B34DA6A3CE929D0E0E473-00f067aa0ba902b7-01'],
  ])('ignores an invalid traceparent %s', (traceparent) => {
    expect(trace.getSpanContext(extractTraceContext({ traceparent }, ROOT_CONTEXT))).toBeUndefined();
  });

  it('accepts a future version with extra fields, and leaves the context alone without a carrier', () => {
    const ctx = extractTraceContext({ traceparent: '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future' }, ROOT_CONTEXT);
    expect(trace.getSpanContext(ctx)?.traceFlags).toBe(0);
    expect(extractTraceContext(undefined, ROOT_CONTEXT)).toBe(ROOT_CONTEXT);
  });

  it('injects nothing without a valid span', () => {
    expect(injectTraceContext({}, ROOT_CONTEXT)).toEqual({});
  });
});

describe('secrets', () => {
  it.each(['api_key', 'apiKey', 'X-API-KEY', 'token', 'access_token', 'refreshToken', 'password', 'client_secret', 'Authorization', 'cookie', 'Set-Cookie', 'gateway_key', 'ENKRYPT_GATEWAY_KEY', 'private_key', 'privateKey', 'auth'])(
    '%s is a secret',
    (key) => expect(isSecretKey(key)).toBe(true),
  );
  it.each(['server', 'tool', 'max_tokens', 'token_count', 'key', 'user_id', 'monkey', 'session_id'])('%s is not a secret', (key) => expect(isSecretKey(key)).toBe(false));

  it('redacts deeply without touching the input, and survives cycles', () => {
    const input: Record<string, unknown> = {
      headers: { Authorization: 'Bearer abc.def', 'x-trace': 't' },
      list: [{ password: 'p' }, 'Bearer zzz'],
      nested: { deeper: { apikey: 'k', ok: 1 } },
      map: new Map([['token', 'x']]),
    };
    input.self = input;
    const out = redactSecrets(input);
    expect(out).toMatchObject({
      headers: { Authorization: REDACTED, 'x-trace': 't' },
      list: [{ password: REDACTED }, `Bearer ${REDACTED}`],
      nested: { deeper: { apikey: REDACTED, ok: 1 } },
      self: '[Circular]',
    });
    expect((out.map as Map<string, string>).get('token')).toBe(REDACTED);
    expect((input.headers as Record<string, string>).Authorization).toBe('Bearer abc.def');
  });
});
