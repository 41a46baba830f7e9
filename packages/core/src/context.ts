import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { readTraceCarrier } from './trace-carrier';
import {
  context as contextApi,
  createContextKey,
  defaultTextMapSetter,
  isSpanContextValid,
  propagation,
  trace,
  type Context,
  type TextMapGetter,
} from '@opentelemetry/api';

/** Ids of the span active in `ctx` (default: the active context); empty when there is none. */
export function activeTraceIds(ctx: Context = contextApi.active()): { traceId?: string; spanId?: string } {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

const PROBE = createContextKey('secure-mcp-gateway.context-probe');

/** True when a working (propagating) global context manager is registered. */
function hasWorkingContextManager(): boolean {
  const probe = contextApi.active().setValue(PROBE, true);
  return contextApi.with(probe, () => contextApi.active().getValue(PROBE) === true);
}

/**
 * Registers the OpenTelemetry AsyncLocalStorage context manager (`@opentelemetry/context-async-hooks`,
 * the one the Node SDK uses: it also binds event emitters, as stock instrumentations expect) as the
 * global one, unless a working one is already registered. Idempotent; returns true when it
 * registered one. `initTelemetry` calls it; providers need not.
 */
export function ensureContextManager(): boolean {
  if (hasWorkingContextManager()) return false;
  const manager = new AsyncLocalStorageContextManager().enable();
  const ok = contextApi.setGlobalContextManager(manager);
  return ok && hasWorkingContextManager();
}

type Carrier = Record<string, unknown>;

/** A header's value: a string, or the strings of an array (repeated HTTP headers); anything else is absent. */
function headerValue(value: unknown): string | string[] | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const strings = value.filter((item): item is string => typeof item === 'string');
    return strings.length > 0 ? strings : undefined;
  }
  return undefined;
}

/**
 * Reads a plain object such as MCP `params._meta` or Node's incoming headers: own keys only (the
 * carrier comes from a client: no prototype lookups), the exact key first, then a
 * case-insensitive match (one pass over the keys).
 */
export const plainObjectGetter: TextMapGetter<Carrier> = {
  keys(carrier) {
    return Object.keys(carrier);
  },
  get(carrier, key) {
    if (Object.hasOwn(carrier, key)) return headerValue(carrier[key]);
    for (const own of Object.keys(carrier)) {
      if (own.length === key.length && own.toLowerCase() === key) return headerValue(carrier[own]);
    }
    return undefined;
  },
};

/**
 * Writes the trace context of `ctx` (default: active) into a plain object such as MCP
 * `params._meta`, through the globally registered propagator: W3C `traceparent`/`tracestate`
 * and `baggage` by default, whatever `OTEL_PROPAGATORS` chose (or nothing with `none`).
 * Returns the carrier.
 */
export function injectTraceContext<T extends Carrier>(carrier: T, ctx: Context = contextApi.active()): T {
  propagation.inject(ctx, carrier as Carrier, defaultTextMapSetter);
  return carrier;
}

/**
 * Reads the trace context (W3C `traceparent`/`tracestate`/`baggage` by default) from a plain
 * object (e.g. MCP `params._meta`) through the globally registered propagator, into a context
 * derived from `ctx` (default: active) with the remote span as parent. Invalid or missing
 * values leave `ctx` as it is.
 */
export function extractTraceContext(carrier: Carrier | null | undefined, ctx: Context = contextApi.active()): Context {
  if (!carrier || typeof carrier !== 'object') return ctx;
  // Untrusted input: cut to the W3C limits in linear time before the propagator parses it.
  return propagation.extract(ctx, readTraceCarrier(carrier).carrier as Carrier, plainObjectGetter);
}
