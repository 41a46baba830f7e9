/**
 * The MCP traffic of one transport (one connection or session), both directions. Incoming
 * requests and notifications get SERVER spans and run their handler inside that span's context;
 * outgoing ones get CLIENT spans. A request's operation finishes on its response (an incoming
 * request: once this side's response has been sent), on `notifications/cancelled`, or when the
 * connection closes.
 */
import { context, trace } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { captureValue } from './capture.js';
import { getHttpPeer, setMcpOperation } from './context.js';
import type { Endpoint, NetworkInfo } from './endpoint.js';
import { isRecord } from './meta.js';
import { type Operation } from './operation.js';
import type { OperationHooks, Outcome } from './operation.js';
import { readHttpExtra } from './peer.js';
import { startIncoming, startOutgoing } from './start.js';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_OTHER,
  STATELESS_PROTOCOL_VERSION,
} from './semconv.js';

export type JsonRpcId = string | number;
type Message = Record<string, unknown>;
export type Settle = (error?: unknown) => void;

/** Most requests tracked per direction; past it the oldest is finished as `_OTHER`. */
export const PENDING_MAX = 10_000;
const PROTOCOL_VERSION_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const noop: Settle = () => {};

export function isProtocolVersion(value: unknown): value is string {
  return typeof value === 'string' && value.length === 10 && PROTOCOL_VERSION_SHAPE.test(value);
}

function isId(value: unknown): value is JsonRpcId {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));
}

/** A low-cardinality `error.type` for an exception: its name when that is a plain identifier. */
export function errorTypeOf(error: unknown): string {
  const name = error instanceof Error ? error.name : undefined;
  return typeof name === 'string' && name.length <= 64 && IDENTIFIER.test(name) ? name : ERROR_TYPE_OTHER;
}

function responseOutcome(message: Message): Outcome {
  return 'error' in message ? { error: message.error } : { result: message.result };
}

export class Connection implements OperationHooks {
  /** Requests received from the peer, waiting for this side's response. */
  private readonly incoming = new Map<JsonRpcId, Operation>();
  /** Requests sent to the peer, waiting for its response. */
  private readonly outgoing = new Map<JsonRpcId, Operation>();
  protocolVersion: string | undefined;
  private sessionId: string | undefined;
  private sessionStarted: number | undefined;
  private initialized = false;
  private closed = false;

  constructor(
    readonly endpoint: Endpoint,
    readonly network: NetworkInfo,
    /** Reads the transport's session id (HTTP transports have one once initialised). */
    private readonly readSessionId: () => unknown,
  ) {}

  /** The session id to record, when a session exists (never from the stateless revision on). */
  currentSessionId(): string | undefined {
    if (this.protocolVersion !== undefined && this.protocolVersion >= STATELESS_PROTOCOL_VERSION) return undefined;
    const id = this.readSessionId();
    if (typeof id === 'string' && id.length > 0) this.sessionId = id.length > 256 ? id.slice(0, 256) : id;
    return this.sessionId;
  }

  /** A message from the peer; `dispatch` hands it to the SDK, inside the operation's context. */
  handleIncoming(message: Message, extra: unknown, dispatch: () => void): void {
    const started = performance.now();
    this.sessionStarted ??= started;
    const method = message.method;
    if (typeof method !== 'string') {
      this.receiveResponse(message);
      dispatch();
      return;
    }
    if (this.endpoint.shared.ignoredMethods?.has(method)) {
      dispatch();
      return;
    }
    const http = readHttpExtra(extra);
    if (http !== undefined) {
      this.network.transport ??= 'tcp';
      this.network.protocolName ??= 'http';
      if (this.protocolVersion === undefined && isProtocolVersion(http.protocolVersion)) this.protocolVersion = http.protocolVersion;
      const peerVersion = getHttpPeer(context.active())?.httpVersion;
      if (peerVersion !== undefined && this.network.protocolVersion === undefined) this.network.protocolVersion = peerVersion.slice(0, 8);
    }
    const id = isId(message.id) ? message.id : undefined;
    const { operation, parent } = startIncoming(this, message, method, id, started);
    if (id !== undefined) this.track(this.incoming, id, operation);
    else if (method === 'notifications/cancelled') this.cancel(this.incoming, message, true);
    context.with(setMcpOperation(trace.setSpan(parent, operation.span), operation), dispatch);
    // A notification is done once dispatched (the SDK runs its handler later, in this context).
    if (id === undefined) operation.finish({});
  }

  /** A message this side sends: returns what to send (`_meta` injected) and a callback for when it is out. */
  handleOutgoing(message: Message): { message: Message; settle: Settle } {
    const started = performance.now();
    this.sessionStarted ??= started;
    const method = message.method;
    if (typeof method !== 'string') return this.sendResponse(message);
    if (this.endpoint.shared.ignoredMethods?.has(method)) return { message, settle: noop };
    const id = isId(message.id) ? message.id : undefined;
    const out = startOutgoing(this, message, method, id, started);
    const operation = out.operation;
    if (id !== undefined) this.track(this.outgoing, id, operation);
    else if (method === 'notifications/cancelled') this.cancel(this.outgoing, message, false);
    const settle: Settle = (error) => {
      if (error !== undefined) {
        if (id !== undefined && this.outgoing.get(id) === operation) this.outgoing.delete(id);
        operation.finish({ failure: errorTypeOf(error) });
      } else if (id === undefined) operation.finish({});
    };
    return { message: out.message, settle };
  }

  /** The transport closed: whatever is pending never completes; the session ends. */
  handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    const cutOff = this.incoming.size + this.outgoing.size > 0;
    for (const pending of [this.incoming, this.outgoing]) {
      for (const operation of pending.values()) operation.finish({ failure: 'connection_closed' });
      pending.clear();
    }
    this.endSession(cutOff ? 'connection_closed' : undefined);
  }

  /** Negotiated protocol version, from a transport's `setProtocolVersion` (SDK clients call it). */
  setProtocolVersion(version: unknown): void {
    if (isProtocolVersion(version)) this.protocolVersion = version;
  }

  onResult(operation: Operation, result: unknown): void {
    const shared = this.endpoint.shared;
    switch (operation.method) {
      case 'initialize':
        this.learnInitialize(result);
        if (this.protocolVersion !== undefined) operation.setSharedAttribute(ATTR_MCP_PROTOCOL_VERSION, this.protocolVersion);
        break;
      case 'tools/list':
        this.endpoint.names.learn('tool', result);
        break;
      case 'prompts/list':
        this.endpoint.names.learn('prompt', result);
        break;
      case 'tools/call':
        // The conventions record a result only when the tool succeeded.
        if (shared.capture.enabled && !(isRecord(result) && result.isError === true)) {
          const captured = captureValue(result, shared.capture);
          if (captured !== undefined) operation.span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, captured);
        }
        break;
    }
  }

  private learnInitialize(result: unknown): void {
    this.initialized = true;
    if (isRecord(result) && isProtocolVersion(result.protocolVersion)) this.protocolVersion = result.protocolVersion;
  }

  private sendResponse(message: Message): { message: Message; settle: Settle } {
    const id = message.id;
    const operation = isId(id) ? this.incoming.get(id) : undefined;
    if (operation === undefined) return { message, settle: noop };
    this.incoming.delete(id as JsonRpcId);
    // The negotiated version applies to what follows at once, not only once the response is out.
    if (operation.method === 'initialize' && !('error' in message)) this.learnInitialize(message.result);
    return {
      message,
      settle: (error) => operation.finish(error !== undefined ? { failure: errorTypeOf(error) } : responseOutcome(message)),
    };
  }

  private receiveResponse(message: Message): void {
    const id = message.id;
    if (!isId(id)) return;
    let key: JsonRpcId = id;
    let operation = this.outgoing.get(key);
    // The SDK numbers its requests; a peer may echo the id as a string.
    if (operation === undefined && typeof id === 'string' && id.length < 16) {
      key = Number(id);
      operation = this.outgoing.get(key);
    }
    if (operation === undefined) return;
    this.outgoing.delete(key);
    operation.finish(responseOutcome(message));
  }

  /** `notifications/cancelled` for a pending request: it ends without a response. */
  private cancel(pending: Map<JsonRpcId, Operation>, message: Message, byPeer: boolean): void {
    const params = message.params;
    if (!isRecord(params) || !isId(params.requestId)) return;
    const operation = pending.get(params.requestId);
    if (operation === undefined) return;
    pending.delete(params.requestId);
    // This side's SDK cancels its own timed-out requests with a reason that says so.
    const reason = !byPeer && typeof params.reason === 'string' ? params.reason.slice(0, 200).toLowerCase() : '';
    operation.finish({ failure: reason.includes('timed out') || reason.includes('timeout') ? 'timeout' : 'cancelled' });
  }

  private track(pending: Map<JsonRpcId, Operation>, id: JsonRpcId, operation: Operation): void {
    const previous = pending.get(id);
    if (previous !== undefined) {
      previous.finish({ failure: ERROR_TYPE_OTHER });
    } else if (pending.size >= PENDING_MAX) {
      const oldest = pending.entries().next().value;
      if (oldest !== undefined) {
        pending.delete(oldest[0]);
        oldest[1].finish({ failure: ERROR_TYPE_OTHER });
      }
    }
    pending.set(id, operation);
  }

  private endSession(errorType: string | undefined): void {
    if (this.sessionStarted === undefined) return;
    // A session exists where one was initialised; on HTTP only with a session id (a stateless
    // server has a transport per request), never from the stateless protocol revision on.
    const stateless = this.protocolVersion !== undefined && this.protocolVersion >= STATELESS_PROTOCOL_VERSION;
    const exists = this.network.transport === 'tcp' ? this.sessionId !== undefined : this.initialized;
    if (!exists || stateless) return;
    const attributes: Attributes = {};
    if (errorType !== undefined) attributes[ATTR_ERROR_TYPE] = errorType;
    if (this.protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = this.protocolVersion;
    if (this.network.transport !== undefined) attributes[ATTR_NETWORK_TRANSPORT] = this.network.transport;
    if (this.network.protocolName !== undefined) attributes[ATTR_NETWORK_PROTOCOL_NAME] = this.network.protocolName;
    if (this.network.protocolVersion !== undefined) attributes[ATTR_NETWORK_PROTOCOL_VERSION] = this.network.protocolVersion;
    const endpoint = this.endpoint;
    if (endpoint.role === 'client' && endpoint.serverAddress !== undefined) {
      attributes[ATTR_SERVER_ADDRESS] = endpoint.serverAddress;
      if (endpoint.serverPort !== undefined) attributes[ATTR_SERVER_PORT] = endpoint.serverPort;
    }
    const instruments = endpoint.shared.telemetry.instruments;
    const histogram = endpoint.role === 'client' ? instruments.clientSession : instruments.serverSession;
    histogram.record((performance.now() - this.sessionStarted) / 1000, attributes);
  }
}
