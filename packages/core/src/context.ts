import { AsyncLocalStorage } from 'node:async_hooks';
import { readTraceCarrier } from './trace-carrier';
import {
  context as contextApi,
  createContextKey,
  createTraceState,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  trace,
  type Context,
  type ContextManager,
} from '@opentelemetry/api';

/** Ids of the span active in `ctx` (default: the active context); empty when there is none. */
export function activeTraceIds(ctx: Context = contextApi.active()): { traceId?: string; spanId?: string } {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** A minimal AsyncLocalStorage context manager (what @opentelemetry/context-async-hooks does, minus emitters). */
class AsyncLocalStorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();

  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    const cb = thisArg == null ? fn : fn.bind(thisArg);
    return this.storage.run(ctx, cb as never, ...args);
  }

  bind<T>(ctx: Context, target: T): T {
    if (typeof target !== 'function') return target;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const manager = this;
    const fn = target as unknown as (...args: unknown[]) => unknown;
    const bound = function (this: unknown, ...args: unknown[]) {
      return manager.with(ctx, () => fn.apply(this, args));
    };
    return bound as unknown as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    this.storage.disable();
    return this;
  }
}

const PROBE = createContextKey('secure-mcp-gateway.context-probe');

/** True when a working (propagating) global context manager is registered. */
function hasWorkingContextManager(): boolean {
  const probe = contextApi.active().setValue(PROBE, true);
  return contextApi.with(probe, () => contextApi.active().getValue(PROBE) === true);
}

/**
 * Registers an AsyncLocalStorage context manager as the OTel global one, unless a working one is
 * already registered. Idempotent; returns true when it registered one. Providers call this
 * instead of `NodeTracerProvider.register()`.
 */
export function ensureContextManager(): boolean {
  if (hasWorkingContextManager()) return false;
  const manager = new AsyncLocalStorageContextManager();
  const ok = contextApi.setGlobalContextManager(manager);
  return ok && hasWorkingContextManager();
}

type Carrier = Record<string, unknown>;

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * Writes W3C `traceparent`, `tracestate` and `baggage` of `ctx` (default: active) into a plain
 * object such as MCP `params._meta`. Returns the carrier. Writes nothing without a valid span.
 */
export function injectTraceContext<T extends Carrier>(carrier: T, ctx: Context = contextApi.active()): T {
  const target = carrier as Carrier;
  const spanContext = trace.getSpanContext(ctx);
  if (spanContext && isSpanContextValid(spanContext)) {
    const flags = (spanContext.traceFlags & 0xff).toString(16).padStart(2, '0');
    target.traceparent = `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`;
    const state = spanContext.traceState?.serialize();
    if (state) target.tracestate = state;
  }
  const baggage = propagation.getBaggage(ctx);
  if (baggage) {
    const entries = baggage
      .getAllEntries()
      .map(([key, entry]) => {
        const meta = entry.metadata?.toString();
        return `${encodeURIComponent(key)}=${encodeURIComponent(entry.value)}${meta ? `;${meta}` : ''}`;
      })
      .filter((entry) => entry.length <= 4096);
    if (entries.length > 0) target.baggage = entries.slice(0, 180).join(',');
  }
  return carrier;
}

/**
 * Reads W3C `traceparent`/`tracestate`/`baggage` from a plain object (e.g. MCP `params._meta`)
 * into a context derived from `ctx` (default: active), with the remote span as parent.
 * Invalid or missing values leave `ctx` as it is.
 */
export function extractTraceContext(carrier: Carrier | null | undefined, ctx: Context = contextApi.active()): Context {
  if (!carrier || typeof carrier !== 'object') return ctx;
  // Untrusted input: cut to the W3C limits in linear time before anything is parsed.
  const bounded = readTraceCarrier(carrier).carrier;
  let out = ctx;
  const header = bounded.traceparent?.toLowerCase();
  const match = header ? TRACEPARENT.exec(header) : null;
  if (match) {
    const [, version, traceId, spanId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
    const valid = version !== 'ff' && !(version === '00' && rest) && !/^0+$/.test(traceId) && !/^0+$/.test(spanId);
    if (valid) {
      const state = bounded.tracestate;
      let traceState;
      if (state) {
        try {
          traceState = createTraceState(state);
        } catch {
          traceState = undefined;
        }
      }
      out = trace.setSpanContext(out, {
        traceId,
        spanId,
        traceFlags: Number.parseInt(flags, 16) & 0x01,
        isRemote: true,
        ...(traceState ? { traceState } : {}),
      });
    }
  }
  if (bounded.baggage) {
    // Built once from a Map (setEntry in a loop copies the whole baggage each time).
    const entries = new Map<string, { value: string }>();
    for (const [key, entry] of propagation.getBaggage(out)?.getAllEntries() ?? []) entries.set(key, entry);
    let added = 0;
    for (const item of bounded.baggage.split(',')) {
      const pair = item.split(';', 1)[0]!;
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      try {
        entries.set(decodeURIComponent(pair.slice(0, eq).trim()), { value: decodeURIComponent(pair.slice(eq + 1).trim()) });
        added += 1;
      } catch {
        // skip undecodable entries
      }
    }
    if (added > 0) out = propagation.setBaggage(out, propagation.createBaggage(Object.fromEntries(entries)));
  }
  return out;
}
