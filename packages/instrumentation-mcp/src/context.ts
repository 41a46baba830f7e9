import { context, createContextKey } from '@opentelemetry/api';
import type { Context, Span } from '@opentelemetry/api';

/**
 * The MCP operation a handler runs in. Inside a request handler of an instrumented server (or
 * a client's sampling/elicitation/roots handler) it is the operation being served; the span is
 * also the active span there, so `trace.getActiveSpan()` finds it too until a child span starts.
 */
export interface McpOperation {
  /** The MCP span (SERVER kind for an incoming request, CLIENT kind for an outgoing one). */
  readonly span: Span;
  /** `mcp.method.name` as recorded (`_OTHER` for a method this package does not know). */
  readonly method: string;
  /**
   * Sets the `error.type` this operation ends with (span and duration metric), replacing what the
   * response would give (e.g. a guardrail block the server returns as an `isError` result).
   * `undefined` goes back to the response's own outcome. Keep values low-cardinality.
   */
  setErrorType(errorType: string | undefined): void;
}

const OPERATION_KEY = createContextKey('@secure-mcp-gateway/instrumentation-mcp operation');
const PEER_KEY = createContextKey('@secure-mcp-gateway/instrumentation-mcp http peer');
const EXECUTE_TOOL_KEY = createContextKey('@secure-mcp-gateway/instrumentation-mcp execute_tool span');

/** The MCP operation of `ctx` (default: the active context), if any. */
export function getMcpOperation(ctx: Context = context.active()): McpOperation | undefined {
  return ctx.getValue(OPERATION_KEY) as McpOperation | undefined;
}

export function setMcpOperation(ctx: Context, operation: McpOperation): Context {
  return ctx.setValue(OPERATION_KEY, operation);
}

/** The HTTP peer of the request an MCP message arrived on (for `client.address`/`client.port`). */
export interface HttpPeer {
  /** Client address (IP or host name), e.g. `req.socket.remoteAddress`. */
  readonly address?: string | undefined;
  readonly port?: number | undefined;
  /** `network.protocol.version`, e.g. `req.httpVersion` (`1.1`, `2`). */
  readonly httpVersion?: string | undefined;
}

/** What `withHttpPeer` accepts: a peer, or a Node `IncomingMessage` (read structurally). */
export type HttpPeerSource =
  | HttpPeer
  | { readonly socket?: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined } | null; readonly httpVersion?: string };

function toPeer(source: HttpPeerSource): HttpPeer {
  if ('socket' in source) {
    return { address: source.socket?.remoteAddress, port: source.socket?.remotePort, httpVersion: source.httpVersion };
  }
  return source as HttpPeer;
}

/**
 * Runs `fn` (typically `transport.handleRequest(req, res, body)`) with the HTTP peer known, so
 * the server spans of the MCP messages that request carries get `client.address`,
 * `client.port` and `network.protocol.version`. The SDK transports do not pass the socket on.
 */
export function withHttpPeer<T>(source: HttpPeerSource, fn: () => T): T {
  return context.with(context.active().setValue(PEER_KEY, toPeer(source)), fn);
}

export function getHttpPeer(ctx: Context): HttpPeer | undefined {
  return ctx.getValue(PEER_KEY) as HttpPeer | undefined;
}

/**
 * Marks `span` as the `execute_tool` span of an outer GenAI instrumentation in the returned
 * context. An instrumented MCP client sending `tools/call` in that context adds its MCP
 * attributes to this span instead of opening a second one (unless `reuseExecuteToolSpan: false`).
 */
export function setExecuteToolSpan(ctx: Context, span: Span): Context {
  return ctx.setValue(EXECUTE_TOOL_KEY, span);
}

export function getExecuteToolSpan(ctx: Context): Span | undefined {
  return ctx.getValue(EXECUTE_TOOL_KEY) as Span | undefined;
}
