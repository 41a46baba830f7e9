import { randomBytes } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export interface GatewayCall {
  /** The trace id the client started (sent as `params._meta.traceparent`). */
  readonly traceId: string;
  readonly clientSpanId: string;
  readonly result?: CallToolResult;
  /** Set when the gateway answered with a JSON-RPC error. */
  readonly error?: McpError;
  /** The parsed JSON of the first text content, when it is JSON. */
  readonly body?: Record<string, unknown>;
  /** Set when the client cancelled the call (its `signal` aborted) before an answer came. */
  readonly cancelled?: boolean;
}

/** A fresh W3C traceparent (sampled), as an instrumented MCP client would send. */
export function newTraceparent(): { traceparent: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** Calls a gateway tool with trace context in `params._meta`; JSON-RPC errors are returned, not thrown. */
export async function callGateway(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options: { signal?: AbortSignal; meta?: Record<string, unknown> } = {},
): Promise<GatewayCall> {
  const { traceparent, traceId, spanId } = newTraceparent();
  try {
    // With a signal, aborting it sends `notifications/cancelled` to the gateway (SDK behaviour).
    const result = (await client.callTool({ name, arguments: args, _meta: { ...options.meta, traceparent } }, undefined, options.signal ? { signal: options.signal } : undefined)) as CallToolResult;
    const first = result.content[0];
    let body: Record<string, unknown> | undefined;
    if (first?.type === 'text') {
      try {
        body = JSON.parse(first.text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
    }
    return { traceId, clientSpanId: spanId, result, ...(body ? { body } : {}) };
  } catch (error) {
    if (options.signal?.aborted) return { traceId, clientSpanId: spanId, cancelled: true };
    if (error instanceof McpError) return { traceId, clientSpanId: spanId, error };
    throw error;
  }
}

/** The per-call results of an `enkrypt_secure_call_tools` answer. */
export function callResults(call: GatewayCall): Record<string, unknown>[] {
  return ((call.body?.results as Record<string, unknown>[] | undefined) ?? []);
}
