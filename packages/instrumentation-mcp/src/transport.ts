/**
 * The seam: an MCP SDK `Transport` (v1 and v2 share its shape). `Protocol.connect()` assigns the
 * transport's public `onmessage` / `onclose` callbacks and calls its public `send()`; this
 * module puts itself between them on the transport instance: accessors for the two callbacks
 * (whatever assigns them, whenever) and a wrapper of `send`. No SDK internals are touched.
 * Instrumentation errors never reach the SDK: on a failure of ours the message passes untouched.
 */
import { Connection } from './connection.js';
import type { Settle } from './connection.js';
import type { Endpoint, NetworkInfo } from './endpoint.js';
import { isRecord } from './meta.js';
import { NETWORK_PROTOCOL_HTTP, NETWORK_TRANSPORT_PIPE, NETWORK_TRANSPORT_TCP } from './semconv.js';

/**
 * The public shape of an MCP SDK transport (v1 `@modelcontextprotocol/sdk`, v2 `@modelcontextprotocol/{server,client}`).
 * `any` where both majors' own message types must be accepted without naming either SDK.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
export interface TransportLike {
  send(message: any, options?: any): Promise<void>;
  onmessage?: ((message: any, extra?: any) => void) | undefined;
  onclose?: (() => void) | undefined;
  sessionId?: string | undefined;
  setProtocolVersion?: ((version: string) => void) | undefined;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

const INSTRUMENTED = Symbol.for('@secure-mcp-gateway/instrumentation-mcp/transport');

/** Transport kind from the transport's public surface (or the options). */
export function detectNetwork(transport: object, override: string | undefined): NetworkInfo {
  const t = transport as Record<string, unknown>;
  const name = typeof t.constructor === 'function' ? t.constructor.name : '';
  let kind: string | undefined = override;
  if (kind === undefined) {
    if (typeof t.handleRequest === 'function' || typeof t.terminateSession === 'function' || name.startsWith('SSE')) kind = NETWORK_TRANSPORT_TCP;
    else if ('pid' in t || name.includes('Stdio')) kind = NETWORK_TRANSPORT_PIPE;
  }
  return { transport: kind, protocolName: kind === NETWORK_TRANSPORT_TCP ? NETWORK_PROTOCOL_HTTP : undefined, protocolVersion: undefined };
}

/** Instruments one transport for `endpoint`; a transport already instrumented is left as it is. */
export function instrumentTransportWith<T extends TransportLike>(transport: T, endpoint: Endpoint): T {
  const target = transport as T & { [INSTRUMENTED]?: true };
  if (target[INSTRUMENTED]) return transport;
  Object.defineProperty(target, INSTRUMENTED, { value: true });
  const connection = new Connection(endpoint, detectNetwork(transport, endpoint.networkTransport), () => transport.sessionId);

  let dispatching = false;
  const wrapMessage = (fn: (message: unknown, extra?: unknown) => void) =>
    function (this: unknown, message: unknown, extra?: unknown): void {
      // Protocol.connect chains a handler assigned before it: that one is dispatched, not traced twice.
      if (dispatching || !isRecord(message)) {
        fn.call(this, message, extra);
        return;
      }
      let dispatched = false;
      let thrown: { error: unknown } | undefined;
      const dispatch = () => {
        dispatched = true;
        try {
          fn.call(this, message, extra);
        } catch (error) {
          thrown = { error };
        }
      };
      dispatching = true;
      try {
        connection.handleIncoming(message, extra, dispatch);
      } catch {
        // An instrumentation fault: the message still reaches the SDK.
      } finally {
        dispatching = false;
      }
      if (!dispatched) fn.call(this, message, extra);
      if (thrown !== undefined) throw thrown.error;
    };
  intercept(target, 'onmessage', wrapMessage);
  intercept(target, 'onclose', (fn: () => void) =>
    function (this: unknown): void {
      try {
        connection.handleClose();
      } catch {
        // never in the SDK's way
      }
      fn.call(this);
    },
  );

  const send = transport.send;
  target.send = function (this: unknown, message: unknown, options?: unknown): Promise<void> {
    let out = message;
    let settle: Settle | undefined;
    if (isRecord(message)) {
      try {
        ({ message: out, settle } = connection.handleOutgoing(message));
      } catch {
        out = message;
      }
    }
    if (settle === undefined) return send.call(this, out, options);
    let sent: Promise<void>;
    try {
      sent = send.call(this, out, options);
    } catch (error) {
      safely(settle, error);
      throw error;
    }
    return sent.then(
      () => safely(settle),
      (error: unknown) => {
        safely(settle, error);
        throw error;
      },
    );
  };

  const setVersion = transport.setProtocolVersion;
  if (typeof setVersion === 'function') {
    target.setProtocolVersion = function (this: unknown, version: string): void {
      connection.setProtocolVersion(version);
      setVersion.call(this, version);
    };
  }
  return transport;
}

function safely(settle: Settle, error?: unknown): void {
  try {
    settle(error);
  } catch {
    // never in the SDK's way
  }
}

/** The descriptor of `key` on `target` or the nearest prototype that has it. */
function findDescriptor(target: object, key: string): PropertyDescriptor | undefined {
  for (let o: object | null = target; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, key);
    if (descriptor !== undefined) return descriptor;
  }
  return undefined;
}

/**
 * Makes a callback property of `target` hold `wrap(fn)` for whatever `fn` is assigned, whenever.
 * A transport that forwards the property to another object through its own accessor (SDK v1's
 * Node `StreamableHTTPServerTransport` does) keeps doing so, with the wrapped function.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any callback signature
function intercept<F extends (...args: any[]) => void>(target: object, key: string, wrap: (fn: F) => F): void {
  const wrapped = new WeakMap<F, F>();
  const wrapOnce = (fn: unknown): F | undefined => {
    if (typeof fn !== 'function') return undefined;
    let w = wrapped.get(fn as F);
    if (w === undefined) {
      w = wrap(fn as F);
      wrapped.set(fn as F, w);
    }
    return w;
  };
  const descriptor = findDescriptor(target, key);
  if (descriptor?.set !== undefined) {
    const { get, set } = descriptor;
    Object.defineProperty(target, key, {
      configurable: true,
      enumerable: descriptor.enumerable ?? true,
      get: get === undefined ? undefined : () => get.call(target),
      set: (fn: unknown) => set.call(target, wrapOnce(fn)),
    });
    // A callback assigned before instrumentation is wrapped too.
    if (get !== undefined) {
      const current: unknown = get.call(target);
      if (typeof current === 'function') set.call(target, wrapOnce(current));
    }
    return;
  }
  let current = wrapOnce((target as Record<string, unknown>)[key]);
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (fn: unknown) => {
      current = wrapOnce(fn);
    },
  });
}
