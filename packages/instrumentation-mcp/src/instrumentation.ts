/**
 * The public entry points: `instrumentServer`, `instrumentClient`, `instrumentTransport`, and
 * `createMcpInstrumentation` for a host (a gateway) that instruments many servers and clients
 * with one configuration, one set of instruments and one table of known names.
 */
import { propagation } from '@opentelemetry/api';
import type { MeterProvider, TextMapPropagator, TracerProvider } from '@opentelemetry/api';
import { DEFAULT_MAX_CONTENT_LENGTH, captureFromEnv } from './capture.js';
import type { RedactFn } from './capture.js';
import { addressOfUrl } from './endpoint.js';
import type { Endpoint, Role, SharedConfig } from './endpoint.js';
import { TargetNames } from './names.js';
import type { TargetNamePolicy } from './names.js';
import { Telemetry } from './telemetry.js';
import { instrumentTransportWith } from './transport.js';
import type { TransportLike } from './transport.js';

/** Settings shared by everything one instrumentation instruments. */
export interface McpInstrumentationConfig {
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Default: the global meter provider, looked up again when it changes. */
  readonly meterProvider?: MeterProvider;
  /** Default: the global propagator (`propagation`), e.g. W3C trace context + baggage. */
  readonly propagator?: TextMapPropagator;
  /**
   * Record tool arguments/results and prompt arguments (opt-in; sensitive). Default: on when
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true`.
   */
  readonly captureContent?: boolean;
  /** Longest captured value, in characters (default 4096). */
  readonly maxContentLength?: number;
  /** Applied to every captured value before it is recorded (e.g. secret scrubbing). */
  readonly redact?: RedactFn;
  /**
   * Tool and prompt names allowed into span names and metric attributes; others are `_OTHER`.
   * Default: `'advertised'` for servers, `'any'` for clients (see `TargetNamePolicy`).
   */
  readonly targetNames?: TargetNamePolicy;
  /**
   * When `tools/call` is sent inside another instrumentation's `execute_tool` span, add the MCP
   * attributes to that span instead of opening a CLIENT span (the conventions' "no double
   * spans"). Default true.
   */
  readonly reuseExecuteToolSpan?: boolean;
  /** Opt in to `{method} {mcp.resource.uri}` span names (high cardinality). Default false. */
  readonly resourceUriInSpanName?: boolean;
  /** Opt in to `mcp.resource.uri` on the duration metrics (high cardinality). Default false. */
  readonly resourceUriOnMetrics?: boolean;
  /** Custom methods your server or client handles, recorded by name rather than as `_OTHER`. */
  readonly extraMethods?: readonly string[];
  /** Methods neither traced nor measured (e.g. `notifications/progress` when it is very chatty). */
  readonly ignoredMethods?: readonly string[];
  /** Environment to read `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` from (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Settings of one instrumented server, client or transport. */
export interface McpEndpointOptions {
  /** Client side: the server's URL, for `server.address` / `server.port`. */
  readonly serverUrl?: string | URL;
  /** Client side: `server.address` when there is no URL (wins over `serverUrl`). */
  readonly serverAddress?: string;
  readonly serverPort?: number;
  /** `network.transport` when detection from the transport is not right (`pipe`, `tcp`, `quic`, `unix`). */
  readonly networkTransport?: string;
}

/** Something with the SDK's `connect(transport)`: a v1/v2 `Server`, `Client` or `Protocol`. */
export interface ConnectableLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- both SDK majors' transport types, unnamed
  connect(transport: any, ...rest: any[]): Promise<void>;
  readonly transport?: unknown;
}

/** A v1/v2 `Server`/`Client`, or an `McpServer` (which holds its `Server` in `server`). */
export type McpEndpointLike = ConnectableLike | { readonly server: ConnectableLike };

export interface McpInstrumentation {
  /** Instruments a server (`Server` or `McpServer`, SDK v1 or v2): every transport it connects, and the current one. */
  instrumentServer<T extends McpEndpointLike>(server: T, options?: McpEndpointOptions): T;
  /** Instruments a client (`Client`, SDK v1 or v2): every transport it connects, and the current one. */
  instrumentClient<T extends McpEndpointLike>(client: T, options?: McpEndpointOptions): T;
  /** Instruments one transport directly, before it is connected (for a custom `Protocol`). */
  instrumentTransport<T extends TransportLike>(transport: T, options: McpEndpointOptions & { readonly role: Role }): T;
}

const INSTRUMENTED = Symbol.for('@secure-mcp-gateway/instrumentation-mcp/endpoint');

function resolveShared(config: McpInstrumentationConfig): SharedConfig {
  const env = config.env ?? (typeof process === 'object' ? process.env : {});
  const maxLength = config.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH;
  if (!Number.isInteger(maxLength) || maxLength < 1) {
    throw new TypeError(`instrumentation-mcp: maxContentLength must be a positive integer, got ${String(config.maxContentLength)}`);
  }
  return {
    telemetry: new Telemetry(config.tracerProvider, config.meterProvider),
    propagator: config.propagator ?? propagation,
    capture: { enabled: config.captureContent ?? captureFromEnv(env), maxLength, redact: config.redact },
    reuseExecuteToolSpan: config.reuseExecuteToolSpan ?? true,
    resourceUriInSpanName: config.resourceUriInSpanName ?? false,
    resourceUriOnMetrics: config.resourceUriOnMetrics ?? false,
    extraMethods: config.extraMethods ? new Set(config.extraMethods) : undefined,
    ignoredMethods: config.ignoredMethods && config.ignoredMethods.length > 0 ? new Set(config.ignoredMethods) : undefined,
  };
}

function protocolOf(endpoint: McpEndpointLike, what: string): ConnectableLike {
  if (endpoint !== null && typeof endpoint === 'object') {
    const holder = endpoint as { server?: unknown; connect?: unknown };
    const inner = holder.server as ConnectableLike | undefined;
    // McpServer keeps its low-level Server in `server`; instrumenting that one covers both.
    if (inner !== null && typeof inner === 'object' && typeof inner.connect === 'function') return inner;
    if (typeof holder.connect === 'function') return endpoint as ConnectableLike;
  }
  throw new TypeError(`instrumentation-mcp: ${what} expects an MCP SDK ${what === 'instrumentClient' ? 'Client' : 'Server or McpServer'} (v1 or v2), got ${endpoint === null ? 'null' : typeof endpoint}`);
}

/** Creates an instrumentation: one configuration for every server, client and transport it instruments. */
export function createMcpInstrumentation(config: McpInstrumentationConfig = {}): McpInstrumentation {
  const shared = resolveShared(config);
  const names = {
    server: new TargetNames(config.targetNames ?? 'advertised'),
    client: new TargetNames(config.targetNames ?? 'any'),
  };
  const endpointFor = (role: Role, options: McpEndpointOptions = {}): Endpoint => {
    const fromUrl = options.serverUrl !== undefined ? addressOfUrl(options.serverUrl) : undefined;
    return {
      role,
      shared,
      names: names[role],
      serverAddress: options.serverAddress ?? fromUrl?.address,
      serverPort: options.serverPort ?? (options.serverAddress === undefined ? fromUrl?.port : undefined),
      networkTransport: options.networkTransport,
    };
  };
  const instrumentEndpoint = <T extends McpEndpointLike>(role: Role, target: T, options: McpEndpointOptions | undefined, what: string): T => {
    const protocol = protocolOf(target, what) as ConnectableLike & { [INSTRUMENTED]?: true };
    if (protocol[INSTRUMENTED]) return target;
    Object.defineProperty(protocol, INSTRUMENTED, { value: true });
    const endpoint = endpointFor(role, options);
    const connect = protocol.connect;
    // connect() is the public moment a transport meets the protocol: instrument it first.
    protocol.connect = function (this: unknown, transport: unknown, ...rest: unknown[]) {
      if (transport !== null && typeof transport === 'object') instrumentTransportWith(transport as TransportLike, endpoint);
      return connect.call(this, transport, ...rest);
    };
    const current = protocol.transport;
    if (current !== null && typeof current === 'object') instrumentTransportWith(current as TransportLike, endpoint);
    return target;
  };
  return {
    instrumentServer: (server, options) => instrumentEndpoint('server', server, options, 'instrumentServer'),
    instrumentClient: (client, options) => instrumentEndpoint('client', client, options, 'instrumentClient'),
    instrumentTransport: (transport, options) => instrumentTransportWith(transport, endpointFor(options.role, options)),
  };
}

/** Instruments a server in one call (`Server` or `McpServer`, SDK v1 or v2). */
export function instrumentServer<T extends McpEndpointLike>(server: T, options: McpInstrumentationConfig & McpEndpointOptions = {}): T {
  return createMcpInstrumentation(options).instrumentServer(server, options);
}

/** Instruments a client in one call (`Client`, SDK v1 or v2). */
export function instrumentClient<T extends McpEndpointLike>(client: T, options: McpInstrumentationConfig & McpEndpointOptions = {}): T {
  return createMcpInstrumentation(options).instrumentClient(client, options);
}
