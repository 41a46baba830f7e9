/**
 * The MCP semantic conventions this package implements, as data: attribute names, method names,
 * the metric instruments (name, unit, description, bucket advice, attribute keys) and the
 * status rules. The metrics catalog (`@secure-mcp-gateway/metrics-catalog`) builds its `mcp.*`
 * rows from this module at build time, so names and buckets are defined once.
 *
 * Source: open-telemetry/semantic-conventions-genai, model/mcp/{registry,spans,metrics,common}.yaml
 * and docs/gen-ai/mcp.md (Development stability); test/semconv.test.ts pins every value here
 * against a table built from those files, with their commits.
 */

// ── attributes ────────────────────────────────────────────────────────────
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_MCP_RESOURCE_URI = 'mcp.resource.uri';
export const ATTR_MCP_PROTOCOL_VERSION = 'mcp.protocol.version';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** Prefix of `gen_ai.prompt.variable.<name>` (one attribute per prompt argument, opt-in). */
export const ATTR_GEN_AI_PROMPT_VARIABLE_PREFIX = 'gen_ai.prompt.variable.';
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
export const ATTR_JSONRPC_PROTOCOL_VERSION = 'jsonrpc.protocol.version';
export const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
export const ATTR_ERROR_TYPE = 'error.type';
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
export const ATTR_NETWORK_PROTOCOL_NAME = 'network.protocol.name';
export const ATTR_NETWORK_PROTOCOL_VERSION = 'network.protocol.version';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_CLIENT_ADDRESS = 'client.address';
export const ATTR_CLIENT_PORT = 'client.port';

// ── values ────────────────────────────────────────────────────────────────
/** `gen_ai.operation.name` on `tools/call` (and only there). */
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
/** `error.type` for a `CallToolResult` with `isError: true`. */
export const ERROR_TYPE_TOOL_ERROR = 'tool_error';
/** `error.type` fallback, and the folded value of names too many or unknown to record. */
export const ERROR_TYPE_OTHER = '_OTHER';
/** `network.transport` for stdio. */
export const NETWORK_TRANSPORT_PIPE = 'pipe';
/** `network.transport` for Streamable HTTP (and HTTP+SSE). */
export const NETWORK_TRANSPORT_TCP = 'tcp';
export const NETWORK_PROTOCOL_HTTP = 'http';
/** The first protocol revision without sessions: `mcp.session.id` MUST NOT be set from it on. */
export const STATELESS_PROTOCOL_VERSION = '2026-07-28';

/** Every `mcp.method.name` the registry lists (well-known values). */
export const MCP_METHOD_NAMES = [
  'initialize',
  'ping',
  'notifications/initialized',
  'notifications/cancelled',
  'notifications/progress',
  'notifications/message',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/roots/list_changed',
  'notifications/resources/updated',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'completion/complete',
  'logging/setLevel',
  'sampling/createMessage',
  'elicitation/create',
  'roots/list',
  'server/discover',
  'subscriptions/listen',
  'notifications/subscriptions/acknowledged',
] as const;
export type McpMethodName = (typeof MCP_METHOD_NAMES)[number];

/** Methods whose `params.uri` is recorded as `mcp.resource.uri`. */
export const RESOURCE_URI_METHODS = [
  'resources/read',
  'resources/subscribe',
  'resources/unsubscribe',
  'notifications/resources/updated',
] as const;

/**
 * JSON-RPC error codes that are the caller's fault: on the receiving (SERVER-kind) side they do
 * not make the span an error (`rpc.response.status_code` is still recorded). Parse error,
 * invalid request, method not found, invalid params (also an unknown tool), resource not found.
 * On the sending side every JSON-RPC error is an error.
 */
export const CALLER_ERROR_CODES = [-32700, -32600, -32601, -32602, -32002] as const;

// ── metrics ───────────────────────────────────────────────────────────────
/** Bucket advice (seconds) for all four MCP histograms. */
export const MCP_DURATION_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] as const;

const OPERATION_ATTRIBUTES = [
  ATTR_MCP_METHOD_NAME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_JSONRPC_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_PROTOCOL_VERSION,
] as const;

const SESSION_ATTRIBUTES = [
  ATTR_ERROR_TYPE,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_JSONRPC_PROTOCOL_VERSION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_PROTOCOL_VERSION,
] as const;

/** `mcp.client.operation.duration`: sender side, from sending a request until its response. */
export const MCP_CLIENT_OPERATION_DURATION = {
  name: 'mcp.client.operation.duration',
  kind: 'histogram',
  unit: 's',
  description:
    'The duration of the MCP request or notification as observed on the sender from the time it was sent until the response or ack is received.',
  buckets: MCP_DURATION_BUCKETS,
  attributes: [...OPERATION_ATTRIBUTES, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT],
  optInAttributes: [ATTR_MCP_RESOURCE_URI],
} as const;

/** `mcp.server.operation.duration`: receiver side, from receipt until the result is sent. */
export const MCP_SERVER_OPERATION_DURATION = {
  name: 'mcp.server.operation.duration',
  kind: 'histogram',
  unit: 's',
  description:
    'MCP request or notification duration as observed on the receiver from the time it was received until the result or ack is sent.',
  buckets: MCP_DURATION_BUCKETS,
  attributes: OPERATION_ATTRIBUTES,
  optInAttributes: [ATTR_MCP_RESOURCE_URI],
} as const;

/** `mcp.client.session.duration`: session length on the MCP client. */
export const MCP_CLIENT_SESSION_DURATION = {
  name: 'mcp.client.session.duration',
  kind: 'histogram',
  unit: 's',
  description: 'The duration of the MCP session as observed on the MCP client.',
  buckets: MCP_DURATION_BUCKETS,
  attributes: [...SESSION_ATTRIBUTES, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT],
  optInAttributes: [],
} as const;

/** `mcp.server.session.duration`: session length on the MCP server. */
export const MCP_SERVER_SESSION_DURATION = {
  name: 'mcp.server.session.duration',
  kind: 'histogram',
  unit: 's',
  description: 'The duration of the MCP session as observed on the MCP server.',
  buckets: MCP_DURATION_BUCKETS,
  attributes: SESSION_ATTRIBUTES,
  optInAttributes: [],
} as const;

/** The four MCP instruments, in the order the conventions list them. */
export const MCP_METRICS = [
  MCP_CLIENT_OPERATION_DURATION,
  MCP_SERVER_OPERATION_DURATION,
  MCP_CLIENT_SESSION_DURATION,
  MCP_SERVER_SESSION_DURATION,
] as const;

/** One MCP instrument as this module describes it. */
export type McpMetricDefinition = (typeof MCP_METRICS)[number];
