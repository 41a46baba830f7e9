/**
 * Starting an operation: its span name, attributes, metric attributes, parent and links. The
 * parent of an incoming message is the context in its `_meta` (linked to the ambient context,
 * e.g. the HTTP server span, when both exist); an outgoing message's span is injected into a
 * copy of its `_meta`.
 */
import { SpanKind, context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span } from '@opentelemetry/api';
import { captureValue, promptVariables } from './capture.js';
import type { Connection, JsonRpcId } from './connection.js';
import { getExecuteToolSpan, getHttpPeer, getMcpOperation } from './context.js';
import { isRecord, metaGetter, metaSetter, ownString } from './meta.js';
import { NAME_MAX, bounded, methodLabel } from './names.js';
import type { TargetKind } from './names.js';
import { Operation } from './operation.js';
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_PORT,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_PROTOCOL_VERSION,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_OTHER,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  RESOURCE_URI_METHODS,
} from './semconv.js';

type Message = Record<string, unknown>;
const RESOURCE_URI: ReadonlySet<string> = new Set<string>(RESOURCE_URI_METHODS);

/**
 * Fills the span and metric attributes every operation shares and returns the span name.
 * `method` is the label (`_OTHER` for an unknown incoming method).
 */
function describe(conn: Connection, method: string, message: Message, params: Message | undefined, id: JsonRpcId | undefined, span: Attributes, metric: Attributes): string {
  const { shared, names } = conn.endpoint;
  span[ATTR_MCP_METHOD_NAME] = method;
  metric[ATTR_MCP_METHOD_NAME] = method;
  if (id !== undefined) span[ATTR_JSONRPC_REQUEST_ID] = bounded(String(id), 128);
  const jsonrpc = message.jsonrpc;
  if (typeof jsonrpc === 'string' && jsonrpc !== '2.0') span[ATTR_JSONRPC_PROTOCOL_VERSION] = metric[ATTR_JSONRPC_PROTOCOL_VERSION] = bounded(jsonrpc, 16);
  const session = conn.currentSessionId();
  if (session !== undefined) span[ATTR_MCP_SESSION_ID] = session;
  if (conn.protocolVersion !== undefined) span[ATTR_MCP_PROTOCOL_VERSION] = metric[ATTR_MCP_PROTOCOL_VERSION] = conn.protocolVersion;
  const network = conn.network;
  if (network.transport !== undefined) span[ATTR_NETWORK_TRANSPORT] = metric[ATTR_NETWORK_TRANSPORT] = network.transport;
  if (network.protocolName !== undefined) span[ATTR_NETWORK_PROTOCOL_NAME] = metric[ATTR_NETWORK_PROTOCOL_NAME] = network.protocolName;
  if (network.protocolVersion !== undefined) span[ATTR_NETWORK_PROTOCOL_VERSION] = metric[ATTR_NETWORK_PROTOCOL_VERSION] = network.protocolVersion;
  if (params === undefined) return method;

  let target: string | undefined;
  const named = (kind: TargetKind, attribute: string, name: string | undefined) => {
    if (name === undefined) return;
    const known = names.isKnown(kind, name);
    span[attribute] = bounded(name, NAME_MAX);
    metric[attribute] = known ? name : ERROR_TYPE_OTHER;
    if (known) target = name;
  };
  switch (method) {
    case 'tools/call':
      span[ATTR_GEN_AI_OPERATION_NAME] = metric[ATTR_GEN_AI_OPERATION_NAME] = GEN_AI_OPERATION_EXECUTE_TOOL;
      named('tool', ATTR_GEN_AI_TOOL_NAME, ownString(params, 'name'));
      if (shared.capture.enabled && params.arguments !== undefined) {
        const captured = captureValue(params.arguments, shared.capture);
        if (captured !== undefined) span[ATTR_GEN_AI_TOOL_CALL_ARGUMENTS] = captured;
      }
      break;
    case 'prompts/get':
      named('prompt', ATTR_GEN_AI_PROMPT_NAME, ownString(params, 'name'));
      if (shared.capture.enabled) promptVariables(params.arguments, shared.capture, span as Record<string, string>);
      break;
    case 'completion/complete': {
      const ref = params.ref;
      if (isRecord(ref) && ownString(ref, 'type') === 'ref/prompt') named('prompt', ATTR_GEN_AI_PROMPT_NAME, ownString(ref, 'name'));
      break;
    }
    default:
      if (RESOURCE_URI.has(method)) {
        const uri = ownString(params, 'uri');
        if (uri !== undefined) {
          span[ATTR_MCP_RESOURCE_URI] = bounded(uri);
          if (shared.resourceUriOnMetrics) metric[ATTR_MCP_RESOURCE_URI] = bounded(uri);
          if (shared.resourceUriInSpanName) target = bounded(uri, 256);
        }
      }
  }
  return target === undefined ? method : `${method} ${target}`;
}

/** An incoming request or notification: SERVER span, parent from `_meta`. */
export function startIncoming(conn: Connection, message: Message, method: string, id: JsonRpcId | undefined, started: number): { operation: Operation; parent: Context } {
  const endpoint = conn.endpoint;
  const shared = endpoint.shared;
  const label = methodLabel(method, true, shared.extraMethods);
  const params = isRecord(message.params) ? message.params : undefined;
  const active = context.active();
  let parent = active;
  let links: Link[] | undefined;
  const meta = params !== undefined && isRecord(params._meta) ? params._meta : undefined;
  if (meta !== undefined) {
    parent = shared.propagator.extract(active, meta, metaGetter);
    const remote = trace.getSpanContext(parent);
    const ambient = trace.getSpanContext(active);
    if (remote !== undefined && ambient !== undefined && remote !== ambient && isSpanContextValid(remote) && isSpanContextValid(ambient)) {
      links = [{ context: ambient }];
    }
  }
  const spanAttributes: Attributes = {};
  const metricAttributes: Attributes = {};
  const name = describe(conn, label, message, params, id, spanAttributes, metricAttributes);
  if (endpoint.role === 'server') {
    const peer = getHttpPeer(active);
    if (peer?.address !== undefined) {
      spanAttributes[ATTR_CLIENT_ADDRESS] = bounded(peer.address, 256);
      if (peer.port !== undefined) spanAttributes[ATTR_CLIENT_PORT] = peer.port;
    }
  }
  const span = shared.telemetry.tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: spanAttributes, links }, parent);
  const histogram = shared.telemetry.instruments.serverOperation;
  return { operation: new Operation(span, label, true, true, started, histogram, metricAttributes, conn), parent };
}

/** The outer GenAI `execute_tool` span of `ctx`, when there is one that is not this package's. */
function outerExecuteToolSpan(ctx: Context): Span | undefined {
  const marked = getExecuteToolSpan(ctx);
  if (marked !== undefined && marked.isRecording()) return marked;
  const active = trace.getSpan(ctx);
  if (active === undefined || !active.isRecording() || getMcpOperation(ctx)?.span === active) return undefined;
  // The SDK's spans expose their attributes (ReadableSpan); another instrumentation's execute_tool
  // span says so in gen_ai.operation.name.
  const attributes = (active as { attributes?: unknown }).attributes;
  return isRecord(attributes) && attributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_EXECUTE_TOOL ? active : undefined;
}

/** An outgoing request or notification: CLIENT span, injected into a copy of `_meta`. */
export function startOutgoing(conn: Connection, message: Message, method: string, id: JsonRpcId | undefined, started: number): { operation: Operation; message: Message } {
  const endpoint = conn.endpoint;
  const shared = endpoint.shared;
  const label = methodLabel(method, false, shared.extraMethods);
  const params = isRecord(message.params) ? message.params : undefined;
  const active = context.active();
  const spanAttributes: Attributes = {};
  const metricAttributes: Attributes = {};
  const name = describe(conn, label, message, params, id, spanAttributes, metricAttributes);
  if (endpoint.role === 'client' && endpoint.serverAddress !== undefined) {
    spanAttributes[ATTR_SERVER_ADDRESS] = metricAttributes[ATTR_SERVER_ADDRESS] = endpoint.serverAddress;
    if (endpoint.serverPort !== undefined) spanAttributes[ATTR_SERVER_PORT] = metricAttributes[ATTR_SERVER_PORT] = endpoint.serverPort;
  }
  let span = method === 'tools/call' && shared.reuseExecuteToolSpan ? outerExecuteToolSpan(active) : undefined;
  const owns = span === undefined;
  if (span === undefined) span = shared.telemetry.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: spanAttributes }, active);
  else span.setAttributes(spanAttributes);
  const histogram = shared.telemetry.instruments.clientOperation;
  const operation = new Operation(span, label, false, owns, started, histogram, metricAttributes, conn);

  const injected: Record<string, unknown> = {};
  shared.propagator.inject(owns ? trace.setSpan(active, span) : active, injected, metaSetter);
  // Nothing injected (no propagator, an invalid span context): the message goes out untouched.
  let any = false;
  for (const _ in injected) {
    any = true;
    break;
  }
  if (!any) return { operation, message };
  const meta = params !== undefined && isRecord(params._meta) ? { ...params._meta, ...injected } : injected;
  return { operation, message: { ...message, params: { ...params, _meta: meta } } };
}
