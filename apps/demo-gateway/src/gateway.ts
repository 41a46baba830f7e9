import { randomUUID } from 'node:crypto';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolRequest,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { createGatewayMetrics, type GatewayMetrics } from '@secure-mcp-gateway/metrics-catalog';
import {
  ensureContextManager,
  extractTraceContext,
  getLogger,
  getMeter,
  getTracer,
  injectTraceContext,
  readTraceCarrier,
  redactSecrets,
} from '@secure-mcp-gateway/telemetry-core';
import { TtlCache } from './cache';
import { serversForProject, type GuardrailPolicy, type LoadedGatewayConfig, type ServerConfig } from './config';
import { LocalPolicyEngine, ScanBudgetError, type GuardrailEngine, type GuardrailVerdict } from './guardrails';
import { GatewayKeyStore, keyFromHeaders, type KeyGrant } from './key-store';
import { findingsOf, redactPii, redactPiiInValue, redactPiiText, type PiiFinding, type PiiType } from './pii';
import { startRuntimeMetrics } from './runtime-metrics';
import { SessionTable, type SessionRefusal } from './session-table';
import { ScanPacer } from './text-scan';
import { OperationTimeoutError, TimeoutManager } from './timeouts';
import { UpstreamError, UpstreamManager } from './upstream';
import { GATEWAY_TOOLS, toolSchemas, type GatewayToolName } from './tools';

export const GATEWAY_NAME = 'secure-mcp-gateway';
export const GATEWAY_VERSION = '0.1.0';
/** The env var holding the gateway key on the stdio transport (as in the Python gateway). */
export const GATEWAY_KEY_ENV = 'ENKRYPT_GATEWAY_KEY';
/** Where the gateway reports the trace context the upstream server saw, in a result's `_meta`. */
export const UPSTREAM_TRACE_META_KEY = 'io.secure-mcp-gateway/trace';

export type TransportKind = 'stdio' | 'http';

/** Span names of the gateway's own steps (fixed, so dashboards and tests can rely on them). */
export const STEP_SPANS = {
  auth: 'gateway.auth',
  cacheLookup: 'gateway.cache_lookup',
  inputGuardrails: 'gateway.input_guardrails',
  upstreamCall: 'gateway.upstream_call',
  outputGuardrails: 'gateway.output_guardrails',
  redaction: 'gateway.redaction',
} as const;

/**
 * `max_sessions` sessions are open, or `max_sessions_per_key` for this key; the transport
 * refuses the new one (HTTP 503, Retry-After = `retryAfterSeconds`).
 */
export class SessionLimitError extends Error {
  readonly reason: SessionRefusal['reason'];
  /** The limit that was reached. */
  readonly maxSessions: number;
  readonly retryAfterSeconds: number;
  constructor(refusal: SessionRefusal) {
    super(
      refusal.reason === 'max_sessions'
        ? `Too many sessions: the gateway already has ${refusal.limit} open (common_mcp_gateway_config.max_sessions); ` +
            `close idle sessions (DELETE /mcp) or retry in ${refusal.retryAfterSeconds} s`
        : `Too many sessions for this gateway key: it already has ${refusal.limit} open (common_mcp_gateway_config.max_sessions_per_key); ` +
            `close idle sessions (DELETE /mcp) or retry in ${refusal.retryAfterSeconds} s`,
    );
    this.name = 'SessionLimitError';
    this.reason = refusal.reason;
    this.maxSessions = refusal.limit;
    this.retryAfterSeconds = refusal.retryAfterSeconds;
  }
}

/** A client-facing failure: `errorType` is the short class on spans and metrics. */
export class GatewayError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly code: number = ErrorCode.InvalidParams,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** JSON-RPC `error.data` (the SDK sends `code`, `message` and `data` of a thrown error). */
  get data(): { error_type: string } {
    return { error_type: this.errorType };
  }
}

export interface Session {
  readonly id: string;
  readonly transport: TransportKind;
  /** The key the stdio process was started with (stdio only). */
  readonly envKey?: string | undefined;
  /** Non-secret id of the key that opened the session (per-key session cap). */
  readonly keyId?: string | undefined;
  userId?: string;
  projectId?: string;
}

interface Identity {
  readonly projectId: string;
  readonly userId: string;
}

interface DiscoveredServer {
  readonly tools: Tool[];
}

export interface GatewayOptions {
  readonly config: LoadedGatewayConfig;
  /** Defaults to the local demo policy engine. */
  readonly guardrails?: GuardrailEngine;
  /** Defaults to `createGatewayMetrics(getMeter('secure-mcp-gateway'))`. */
  readonly metrics?: GatewayMetrics;
  /** Capture tool arguments/results on spans (redacted, truncated); default false. */
  readonly capturePayloads?: boolean;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

interface CallOutcome {
  tool: string;
  status: 'success' | 'failure' | 'error' | 'blocked' | 'timeout';
  error_type?: string;
  message?: string;
  content?: CallToolResult['content'];
  structuredContent?: Record<string, unknown>;
  guardrails?: { input?: string[]; output?: string[]; redacted?: { input?: string[]; output?: string[] } };
  upstream_meta?: Record<string, unknown>;
  duration_ms: number;
}

const PAYLOAD_LIMIT = 1024;
/** The bucket for tool names that are not the gateway's own (semconv's `_OTHER`). */
export const OTHER_TOOL = '_OTHER';
/** error_type values that count as forwarding errors (enkrypt_tool_call_errors_total). */
const FORWARDING_ERRORS = new Set(['timeout', 'upstream_crashed', 'upstream_unavailable', 'upstream_error', 'cancelled']);

/**
 * The gateway: one per process, shared by all sessions and transports. `createServer`
 * makes the MCP `Server` for one session.
 */
export class Gateway {
  readonly metrics: GatewayMetrics;
  readonly timeouts: TimeoutManager;
  private readonly tracer = getTracer('secure-mcp-gateway', GATEWAY_VERSION);
  private readonly log = getLogger('gateway');
  private readonly upstreams: UpstreamManager;
  private readonly toolCache: TtlCache<DiscoveredServer>;
  private readonly serversCache: TtlCache<ServerConfig[]>;
  private readonly guardrails: GuardrailEngine;
  private readonly sessions: SessionTable<Session>;
  private readonly keys: GatewayKeyStore;
  private readonly stopGauges: (() => void)[] = [];
  private readonly validator = new AjvJsonSchemaValidator();
  private readonly capturePayloads: boolean;
  private closed = false;

  constructor(private readonly options: GatewayOptions) {
    // Trace context must flow client → gateway → upstream (and into log records) whatever
    // the provider, even one without tracing: that needs the async context manager.
    ensureContextManager();
    const { gateway } = options.config;
    const common = gateway.common_mcp_gateway_config;
    const t = common.timeout_settings;
    this.metrics = options.metrics ?? createGatewayMetrics(getMeter('secure-mcp-gateway', GATEWAY_VERSION));
    this.timeouts = new TimeoutManager(this.metrics, {
      warn: t.escalation_policies.warn_threshold,
      timeout: t.escalation_policies.timeout_threshold,
      fail: t.escalation_policies.fail_threshold,
    });
    this.upstreams = new UpstreamManager(options.config.dir, common.max_result_bytes);
    const toolTtlMs = (common.tool_cache_ttl_seconds ?? common.enkrypt_tool_cache_expiration * 3600) * 1000;
    this.toolCache = new TtlCache('tools', toolTtlMs);
    this.serversCache = new TtlCache('servers', common.enkrypt_gateway_cache_expiration * 3600 * 1000);
    this.guardrails = options.guardrails ?? new LocalPolicyEngine({ maxScanChars: common.guardrail_max_scan_chars });
    this.capturePayloads = options.capturePayloads ?? false;
    this.keys = new GatewayKeyStore(Object.entries(gateway.apikeys));
    this.sessions = new SessionTable<Session>({
      maxSessions: common.max_sessions,
      maxSessionsPerKey: common.max_sessions_per_key,
      idleTimeoutMs: common.session_idle_timeout_seconds * 1000,
    });
    this.stopGauges.push(startRuntimeMetrics());

    // Gauges read the live session table at collection time, so they fall as well as rise.
    this.stopGauges.push(
      this.metrics.activeSessions.addCallback((observe) => {
        for (const transport of ['stdio', 'http'] as const) {
          observe([...this.sessions.values()].filter((s) => s.transport === transport).length, { transport });
        }
      }),
      this.metrics.activeUsers.addCallback((observe) => {
        observe(new Set([...this.sessions.values()].flatMap((s) => (s.userId ? [s.userId] : []))).size, {});
      }),
    );
  }

  // ---------------------------------------------------------------- sessions

  /**
   * Throws SessionLimitError when `max_sessions` sessions are already open, or
   * `max_sessions_per_key` for the key (`keyId`) opening it.
   */
  openSession(transport: TransportKind, options: { id?: string; envKey?: string | undefined; keyId?: string | undefined } = {}): Session {
    const refusal = this.sessions.refusal(options.keyId);
    if (refusal) {
      this.log.warn('session_refused', { transport, reason: refusal.reason, limit: refusal.limit, retry_after_s: refusal.retryAfterSeconds });
      throw new SessionLimitError(refusal);
    }
    const session: Session = { id: options.id ?? randomUUID(), transport, envKey: options.envKey, keyId: options.keyId };
    this.sessions.add(session, options.keyId);
    this.log.info('session_opened', { transport, session_id: session.id });
    return session;
  }

  /**
   * Checks a gateway key (HTTP: on every request, before its body reaches the MCP SDK), so
   * unauthenticated clients hold no session and reach no handler. A failure is counted in
   * `enkrypt_auth_failure_total`; success is counted per call. Nothing is logged per attempt
   * (the transport reports a summary).
   */
  checkKey(transport: TransportKind, key: string | undefined): { ok: true; grant: KeyGrant } | { ok: false; reason: 'missing_key' | 'invalid_key'; message: string } {
    const grant = this.keys.lookup(key);
    if (grant) return { ok: true, grant };
    const reason = key ? 'invalid_key' : 'missing_key';
    this.metrics.authFailure.add(1, { transport, reason });
    return { ok: false, reason, message: unauthorizedMessage(transport, key) };
  }

  /** Marks a session as used (it is not closed as idle for another `session_idle_timeout_seconds`). */
  touchSession(id: string): void {
    this.sessions.touch(id);
  }

  /** Ids of the sessions idle past `session_idle_timeout_seconds` (the transport closes them). */
  idleSessions(): string[] {
    return this.sessions.expired();
  }

  get sessionIdleTimeoutMs(): number {
    return this.sessions.limits.idleTimeoutMs;
  }

  /** `common_mcp_gateway_config.max_request_bytes`: the HTTP body limit. */
  get maxRequestBytes(): number {
    return this.options.config.gateway.common_mcp_gateway_config.max_request_bytes;
  }

  closeSession(id: string): void {
    const session = this.sessions.delete(id);
    if (!session) return;
    this.log.info('session_closed', { transport: session.transport, session_id: id });
  }

  /** Live sessions and distinct authenticated users (what the gauges report). */
  liveCounts(): { sessions: Record<TransportKind, number>; users: number } {
    const all = [...this.sessions.values()];
    return {
      sessions: { stdio: all.filter((s) => s.transport === 'stdio').length, http: all.filter((s) => s.transport === 'http').length },
      users: new Set(all.flatMap((s) => (s.userId ? [s.userId] : []))).size,
    };
  }

  /** An MCP server bound to one session. */
  createServer(session: Session): Server {
    const server = new Server({ name: GATEWAY_NAME, version: GATEWAY_VERSION }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
      const started = performance.now();
      // Trace context is parsed only for a caller with a valid key.
      const parent = this.keyGrant(session, extra) ? this.traceParent(request.params?._meta) : context.active();
      const span = this.tracer.startSpan(
        'tools/list',
        {
          kind: SpanKind.SERVER,
          attributes: {
            'mcp.method.name': 'tools/list',
            'mcp.session.id': session.id,
            'jsonrpc.request.id': String(extra.requestId),
            'network.transport': this.networkTransport(session),
          },
        },
        parent,
      );
      const result = { tools: GATEWAY_TOOLS };
      span.end();
      this.metrics.mcpServerOperationDuration.record((performance.now() - started) / 1000, { 'mcp.method.name': 'tools/list', 'network.transport': this.networkTransport(session) });
      return result;
    });
    server.setRequestHandler(CallToolRequestSchema, (request, extra) => this.handleToolsCall(session, request, extra));
    server.onclose = () => this.closeSession(session.id);
    return server;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.stopGauges) stop();
    this.sessions.clear();
    await this.upstreams.closeAll();
  }

  // ---------------------------------------------------------------- tools/call

  private networkTransport(session: Session): string {
    // OTel semconv: `pipe` for stdio, `tcp` for HTTP.
    return session.transport === 'stdio' ? 'pipe' : 'tcp';
  }

  private async handleToolsCall(session: Session, request: CallToolRequest, extra: Extra): Promise<CallToolResult> {
    const toolName = request.params.name;
    // The name is client input, read before auth: only the gateway's own tool names become
    // span names and metric labels, anything else is `_OTHER` (as semconv buckets unknown values).
    const knownTool = GATEWAY_TOOLS.some((t) => t.name === toolName);
    const toolLabel = knownTool ? toolName : OTHER_TOOL;
    // The key is checked before the trace context is parsed: an unauthenticated caller's
    // `_meta` is never read. (The auth step below records the outcome.)
    const grant = this.keyGrant(session, extra);
    const parent = grant ? this.traceParent(request.params._meta) : context.active();
    const attributes: Attributes = {
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': toolLabel,
      'gen_ai.operation.name': 'execute_tool',
      'mcp.session.id': session.id,
      'jsonrpc.request.id': String(extra.requestId),
      'network.transport': this.networkTransport(session),
    };
    // semconv: `{mcp.method.name} {target}`, just the method when the target is not known.
    const span = this.tracer.startSpan(knownTool ? `tools/call ${toolName}` : 'tools/call', { kind: SpanKind.SERVER, attributes }, parent);
    const ctx = trace.setSpan(parent, span);
    const started = performance.now();
    let errorType: string | undefined;
    try {
      const result = await context.with(ctx, async () => {
        const identity = await this.authenticate(session, grant, extra);
        const tool = GATEWAY_TOOLS.find((t) => t.name === toolName);
        if (!tool) {
          throw new GatewayError('unknown_tool', `Unknown tool "${toolName}". This gateway offers: ${GATEWAY_TOOLS.map((t) => t.name).join(', ')}`);
        }
        const parsed = toolSchemas[toolName as GatewayToolName].safeParse(request.params.arguments ?? {});
        if (!parsed.success) {
          throw new GatewayError(
            'invalid_arguments',
            `Invalid arguments for ${toolName}: ` + parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '),
          );
        }
        return this.dispatch(toolName as GatewayToolName, parsed.data as never, identity, session, extra);
      });
      if (result.isError) errorType = String((result.structuredContent as { error_type?: string } | undefined)?.error_type ?? 'tool_error');
      return result;
    } catch (error) {
      const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', `Gateway error: ${(error as Error).message}`, ErrorCode.InternalError);
      errorType = gatewayError.errorType;
      context.with(ctx, () => this.log.warn('request_rejected', { tool: toolLabel, outcome: 'error', error_type: errorType }));
      throw gatewayError;
    } finally {
      if (errorType) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      }
      span.end();
      this.metrics.mcpServerOperationDuration.record((performance.now() - started) / 1000, {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': toolLabel,
        'network.transport': this.networkTransport(session),
        ...(errorType ? { 'error.type': errorType } : {}),
      });
    }
  }

  private async dispatch(name: GatewayToolName, args: never, identity: Identity, session: Session, extra: Extra): Promise<CallToolResult> {
    switch (name) {
      case 'enkrypt_list_all_servers':
        return this.listAllServers(identity, args, extra);
      case 'enkrypt_get_server_info':
        return this.getServerInfo(identity, args);
      case 'enkrypt_discover_all_tools':
        return this.discoverAllTools(identity, args, extra);
      case 'enkrypt_secure_call_tools':
        return this.secureCallTools(identity, args, session, extra);
      case 'enkrypt_get_cache_status':
        return json({ tools: this.toolCache.status(), servers: this.serversCache.status() });
      case 'enkrypt_clear_cache':
        return this.clearCache(args);
      case 'enkrypt_get_timeout_metrics':
        return json(this.timeouts.snapshot());
    }
  }

  // ---------------------------------------------------------------- steps

  private step<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, async (span) => {
      try {
        return await fn(span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as GatewayError).errorType ?? 'error' });
        if ((error as GatewayError).errorType) span.setAttribute('error.type', (error as GatewayError).errorType);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  private presentedKey(session: Session, extra: Extra): string | undefined {
    return session.transport === 'stdio' ? session.envKey : keyFromHeaders(extra.requestInfo?.headers ?? {});
  }

  /** The caller's grant, or undefined for a missing or unknown key (nothing recorded). */
  private keyGrant(session: Session, extra: Extra): KeyGrant | undefined {
    return this.keys.lookup(this.presentedKey(session, extra));
  }

  /** The parent context from MCP `_meta`, read within the W3C limits (what is cut is counted). */
  private traceParent(meta: unknown): Context {
    const reading = readTraceCarrier(meta);
    if (reading.truncated) {
      for (const [field, n] of Object.entries(reading.dropped)) if (n > 0) this.metrics.traceContextDropped.add(n, { field });
    }
    return extractTraceContext(reading.carrier as Record<string, unknown>, context.active());
  }

  private authenticate(session: Session, grant: KeyGrant | undefined, extra: Extra): Promise<Identity> {
    const transport = session.transport;
    return this.step(STEP_SPANS.auth, { 'network.transport': this.networkTransport(session) }, async (span) => {
      if (!grant) {
        const key = this.presentedKey(session, extra);
        const reason = key ? 'invalid_key' : 'missing_key';
        this.metrics.authFailure.add(1, { transport, reason });
        span.setAttribute('enkrypt.auth.outcome', reason);
        throw new GatewayError('unauthorized', unauthorizedMessage(transport, key), ErrorCode.InvalidRequest);
      }
      this.metrics.authSuccess.add(1, { transport });
      span.setAttribute('enkrypt.auth.outcome', 'success');
      session.userId = grant.userId;
      session.projectId = grant.projectId;
      return { projectId: grant.projectId, userId: grant.userId };
    });
  }

  /** The project's servers, through the `servers` cache. */
  private serversFor(identity: Identity): Promise<ServerConfig[]> {
    return this.step(STEP_SPANS.cacheLookup, { 'enkrypt.cache': 'servers' }, async (span) => {
      const cached = this.serversCache.get(identity.projectId);
      span.setAttribute('enkrypt.cache.hit', cached !== undefined);
      if (cached) {
        this.metrics.cacheHits.add(1, { cache: 'servers' });
        return cached;
      }
      this.metrics.cacheMisses.add(1, { cache: 'servers' });
      const servers = serversForProject(this.options.config.gateway, identity.projectId);
      this.serversCache.set(identity.projectId, servers);
      return servers;
    });
  }

  private async findServer(identity: Identity, serverName: string): Promise<ServerConfig> {
    const servers = await this.serversFor(identity);
    const server = servers.find((s) => s.server_name === serverName);
    if (!server) {
      throw new GatewayError(
        'unknown_server',
        `Unknown server "${serverName}": not configured for this gateway key's project. Available: ${servers.map((s) => s.server_name).join(', ') || '(none)'}`,
      );
    }
    return server;
  }

  private budgetMs(server: ServerConfig): number {
    const t = this.options.config.gateway.common_mcp_gateway_config.timeout_settings;
    return (server.tool_timeout ?? t.tool_execution_timeout) * 1000;
  }

  /** The server's tools, through the `tools` cache; discovery runs under the `discovery` budget. */
  private discover(server: ServerConfig, extra: Extra): Promise<{ tools: Tool[]; source: 'cache' | 'discovery' }> {
    const name = server.server_name;
    return this.step(STEP_SPANS.cacheLookup, { 'enkrypt.cache': 'tools', 'enkrypt.server': name }, async (span) => {
      const cached = this.toolCache.get(name);
      span.setAttribute('enkrypt.cache.hit', cached !== undefined);
      if (cached) {
        this.metrics.cacheHits.add(1, { cache: 'tools', server: name });
        return { tools: cached.tools, source: 'cache' as const };
      }
      this.metrics.cacheMisses.add(1, { cache: 'tools', server: name });
      const budget = this.options.config.gateway.common_mcp_gateway_config.timeout_settings.discovery_timeout * 1000;
      let tools: Tool[];
      try {
        tools = await this.timeouts.run(
          'discovery',
          budget,
          `Tool discovery on "${name}"`,
          (signal) => this.upstreams.listTools(server, budget, signal),
          { callerSignal: extra.signal, attributes: { server: name } },
        );
      } catch (error) {
        throw toGatewayError(error);
      }
      const allowed = server.tools;
      const visible = allowed.length > 0 ? tools.filter((t) => allowed.includes(t.name)) : tools;
      this.toolCache.set(name, { tools: visible });
      span.setAttribute('enkrypt.tools.count', visible.length);
      return { tools: visible, source: 'discovery' as const };
    });
  }

  // ---------------------------------------------------------------- gateway tools

  private async listAllServers(identity: Identity, args: { discover_tools?: boolean | undefined }, extra: Extra): Promise<CallToolResult> {
    this.metrics.listServersCalls.add(1);
    const servers = await this.serversFor(identity);
    this.metrics.serversDiscovered.add(servers.length);
    const out = [];
    for (const server of servers) {
      const entry: Record<string, unknown> = { server_name: server.server_name, description: server.description };
      if (args.discover_tools) {
        try {
          entry.tools = (await this.discover(server, extra)).tools.map((t) => t.name);
        } catch (error) {
          entry.error = (error as Error).message;
        }
      }
      out.push(entry);
    }
    this.log.info('list_servers', { outcome: 'success', count: servers.length });
    return json({ status: 'success', count: out.length, servers: out });
  }

  private async getServerInfo(identity: Identity, args: { server_name: string }): Promise<CallToolResult> {
    const server = await this.findServer(identity, args.server_name);
    const cached = this.toolCache.status().entries.some((e) => e.key === server.server_name);
    return json({
      server_name: server.server_name,
      description: server.description,
      command: server.config.command,
      args: server.config.args,
      // Env values may be secrets: only names leave the gateway.
      env: Object.keys(server.config.env),
      allowed_tools: server.tools,
      tools_cached: cached,
      guardrails: {
        enabled: server.enable_tool_guardrails,
        input: summarisePolicy(server.input_guardrails_policy),
        output: summarisePolicy(server.output_guardrails_policy),
      },
      timeout_seconds: this.budgetMs(server) / 1000,
    });
  }

  private async discoverAllTools(identity: Identity, args: { server_name?: string | undefined }, extra: Extra): Promise<CallToolResult> {
    const servers = args.server_name ? [await this.findServer(identity, args.server_name)] : await this.serversFor(identity);
    const out: Record<string, unknown>[] = [];
    let failed = 0;
    for (const server of servers) {
      try {
        const { tools, source } = await this.discover(server, extra);
        out.push({ server_name: server.server_name, source, tools: tools.map((t) => ({ name: t.name, description: t.description ?? '' })) });
      } catch (error) {
        failed += 1;
        const e = toGatewayError(error);
        out.push({ server_name: server.server_name, error_type: e.errorType, error: e.message });
      }
    }
    this.log.info('discover_tools', { outcome: failed ? 'failure' : 'success', servers: servers.length, failed });
    const result = json({ status: failed === 0 ? 'success' : failed === servers.length ? 'error' : 'partial', servers: out });
    return failed === servers.length && servers.length > 0 ? { ...result, isError: true, structuredContent: { error_type: 'discovery_failed' } } : result;
  }

  private clearCache(args: { server_name?: string | undefined; cache_type?: 'tools' | 'servers' | 'all' | undefined }): CallToolResult {
    const type = args.cache_type ?? 'all';
    let cleared = 0;
    if (type === 'tools' || type === 'all') cleared += args.server_name ? Number(this.toolCache.delete(args.server_name)) : this.toolCache.clear();
    if (type === 'servers' || type === 'all') cleared += this.serversCache.clear();
    this.log.info('cache_cleared', { cache: type, server: args.server_name ?? 'all', entries: cleared });
    return json({ status: 'success', cache_type: type, server_name: args.server_name ?? null, cleared_entries: cleared });
  }

  private async secureCallTools(
    identity: Identity,
    args: { server_name: string; tool_calls: { name: string; args?: Record<string, unknown> | undefined }[] },
    session: Session,
    extra: Extra,
  ): Promise<CallToolResult> {
    let server: ServerConfig;
    try {
      server = await this.findServer(identity, args.server_name);
    } catch (error) {
      // Client-supplied names never become metric labels: unknown ones are bucketed.
      for (const _ of args.tool_calls) {
        this.metrics.toolCalls.add(1, { server: 'unknown', tool: 'unknown' });
        this.metrics.toolCallFailure.add(1, { server: 'unknown', tool: 'unknown', error_type: 'unknown_server' });
      }
      throw error;
    }
    const results: CallOutcome[] = [];
    for (const call of args.tool_calls) {
      results.push(await this.secureCallOne(server, call.name, call.args ?? {}, session, extra));
    }
    const counts = { success: 0, failure: 0, error: 0, blocked: 0, timeout: 0 };
    for (const r of results) counts[r.status] += 1;
    const allOk = counts.success === results.length;
    const first = results.find((r) => r.status !== 'success');
    const summary = {
      status: allOk ? 'success' : counts.success > 0 ? 'partial' : first?.status === 'blocked' ? 'blocked' : 'error',
      server_name: server.server_name,
      summary: { total: results.length, ...counts },
      results,
    };
    const lines = results.map((r) => `${r.tool}: ${r.status}${r.error_type ? ` (${r.error_type})` : ''}${r.message ? ` - ${r.message}` : ''}`);
    return {
      content: [
        { type: 'text', text: JSON.stringify(summary) },
        ...(allOk ? [] : [{ type: 'text' as const, text: lines.join('\n') }]),
      ],
      // The payloads travel once, in the text above; the structured form is the summary a client
      // branches on (statuses, error types, guardrail findings), so a large result is not sent twice.
      structuredContent: {
        ...summary,
        results: results.map(({ content: _content, structuredContent: _structured, ...rest }) => rest),
        ...(first?.error_type ? { error_type: first.error_type } : {}),
      },
      ...(allOk ? {} : { isError: true }),
    };
  }

  private async secureCallOne(server: ServerConfig, tool: string, rawArgs: Record<string, unknown>, _session: Session, extra: Extra): Promise<CallOutcome> {
    const serverName = server.server_name;
    const started = performance.now();
    const m = this.metrics;
    let metricTool = tool;
    const outcome: CallOutcome = { tool, status: 'success', duration_ms: 0 };
    const finish = (): CallOutcome => {
      const seconds = (performance.now() - started) / 1000;
      outcome.duration_ms = Math.round(seconds * 1000);
      m.toolCallDuration.record(seconds, { server: serverName, tool: metricTool, outcome: outcome.status });
      switch (outcome.status) {
        case 'success':
          m.toolCallSuccess.add(1, { server: serverName, tool: metricTool });
          break;
        case 'failure':
        case 'error':
        case 'timeout': {
          const error_type = outcome.error_type ?? 'error';
          m.toolCallFailure.add(1, { server: serverName, tool: metricTool, error_type });
          // errors ⊂ failures: only what broke while forwarding (transport, protocol, timeout).
          if (FORWARDING_ERRORS.has(error_type)) m.toolCallErrors.add(1, { server: serverName, tool: metricTool, error_type });
          break;
        }
        case 'blocked':
          break; // counted where the block happened (direction + violation type)
      }
      this.log.log(outcome.status === 'success' ? 'INFO' : 'WARNING', 'tool_call', {
        server: serverName,
        tool: metricTool,
        outcome: outcome.status,
        ...(outcome.error_type ? { error_type: outcome.error_type } : {}),
        duration_ms: outcome.duration_ms,
      });
      return outcome;
    };
    const fail = (status: CallOutcome['status'], errorType: string, message: string): CallOutcome => {
      outcome.status = status;
      outcome.error_type = errorType;
      outcome.message = message;
      return finish();
    };

    // 1. the tool exists and the arguments fit its schema
    let discovered: Tool[];
    try {
      discovered = (await this.discover(server, extra)).tools;
    } catch (error) {
      const e = toGatewayError(error);
      m.toolCalls.add(1, { server: serverName, tool: 'unknown' });
      metricTool = 'unknown';
      return fail('error', e.errorType, e.message);
    }
    const toolDef = discovered.find((t) => t.name === tool);
    if (!toolDef) metricTool = 'unknown';
    m.toolCalls.add(1, { server: serverName, tool: metricTool });
    if (!toolDef) {
      return fail('error', 'unknown_tool', `Unknown tool "${tool}" on server "${serverName}". Available: ${discovered.map((t) => t.name).join(', ')}`);
    }
    const validate = this.validator.getValidator<Record<string, unknown>>(toolDef.inputSchema as never);
    const validation = validate(rawArgs);
    if (!validation.valid) {
      return fail('error', 'invalid_arguments', `Arguments for "${tool}" do not match its input schema: ${validation.errorMessage}`);
    }

    // Starting (or restarting) the upstream process is bounded by discovery_timeout, not by the
    // tool's budget: a call is not failed because its upstream had to be started first.
    try {
      await this.upstreams.ensureConnected(server, this.options.config.gateway.common_mcp_gateway_config.timeout_settings.discovery_timeout * 1000);
    } catch (error) {
      const e = toGatewayError(error);
      return fail('error', e.errorType, e.message);
    }

    const guard = server.enable_tool_guardrails;
    let args = rawArgs;
    // One budget for the whole call: guardrails and redaction spend it as the upstream call does.
    const budget = this.budgetMs(server);
    const deadline = performance.now() + budget;
    const remaining = (): number => Math.max(0, deadline - performance.now());
    const outOfBudget = (): CallOutcome => fail('timeout', 'timeout', `Tool "${tool}" on "${serverName}" exceeded its ${budget / 1000} s timeout budget`);
    // 2. input guardrails
    if (guard && server.input_guardrails_policy.enabled) {
      const verdict = await this.step(STEP_SPANS.inputGuardrails, { 'enkrypt.server': serverName, 'gen_ai.tool.name': tool }, async (span) => {
        const v = await this.callGuardrail('input', serverName, remaining(), (signal) =>
          this.guardrails.checkInput({ server: serverName, tool, toolDescription: toolDef.description, args, policy: server.input_guardrails_policy }, signal),
        );
        span.setAttribute('enkrypt.guardrails.violations', v.violations.map((x) => x.type));
        return v;
      }).catch((error: unknown) => error as Error);
      if (verdict instanceof Error) {
        const e = toGatewayError(verdict);
        return fail(e.errorType === 'timeout' ? 'timeout' : 'error', `guardrail_${e.errorType}`, `Input guardrail check failed: ${e.message}`);
      }
      this.recordViolations(serverName, 'input', verdict);
      outcome.guardrails = { input: verdict.violations.map((v) => v.type) };
      const blocking = verdict.violations.find((v) => v.blocking);
      if (blocking) {
        m.toolCallBlocked.add(1, { server: serverName, tool, direction: 'input', violation_type: blocking.type });
        return fail('blocked', `input_${blocking.type}`, `Blocked by input guardrails (${server.input_guardrails_policy.policy_name}): ${blocking.detail}`);
      }
      if (verdict.redacted !== undefined) {
        await this.step(STEP_SPANS.redaction, { 'enkrypt.direction': 'input', 'enkrypt.server': serverName }, async (span) => {
          args = verdict.redacted as Record<string, unknown>;
          for (const p of verdict.pii) m.piiRedactions.add(p.count, { server: serverName, direction: 'input', pii_type: p.type });
          span.setAttribute('enkrypt.pii.types', verdict.pii.map((p) => p.type));
        });
        outcome.guardrails.redacted = { input: verdict.pii.map((p) => p.type) };
      }
    }
    if (remaining() <= 0) return outOfBudget();

    // 3. the upstream call, under what is left of the budget, as an MCP CLIENT span
    let result: CallToolResult;
    try {
      result = await this.step(STEP_SPANS.upstreamCall, { 'enkrypt.server': serverName, 'gen_ai.tool.name': tool, 'enkrypt.timeout.budget_ms': budget }, () =>
        this.timeouts.run(
          'tool_call',
          budget,
          `Tool "${tool}" on "${serverName}"`,
          (signal) => this.upstreamCall(server, tool, args, budget, signal),
          {
            callerSignal: extra.signal,
            spentMs: budget - remaining(),
            attributes: { server: serverName, tool },
            // Still wedged at the fail level: the call was cancelled on its own (its signal);
            // the upstream process is replaced for new calls, and the old one stops once its
            // other calls in flight have settled.
            onFail: () => {
              this.log.warn('upstream_recycled', { server: serverName, reason: 'timeout_fail_level' });
              void this.upstreams.recycle(server, this.options.config.gateway.common_mcp_gateway_config.timeout_settings.discovery_timeout * 1000);
            },
          },
        ),
      );
    } catch (error) {
      const e = toGatewayError(error);
      return fail(e.errorType === 'timeout' ? 'timeout' : 'error', e.errorType, e.message);
    }
    outcome.upstream_meta = result._meta as Record<string, unknown> | undefined;
    // Redaction runs within what is left of the budget; out of time, nothing unredacted is sent.
    const redactionFailed = (error: Error): CallOutcome =>
      error.name === 'TimeoutError' || error.name === 'AbortError' ? outOfBudget() : fail('error', 'redaction_failed', `Output redaction failed: ${error.message}`);
    const redactOutput = async (direction: 'output', findings?: readonly PiiFinding[]): Promise<void> => {
      const redacted = await this.redactResult(result, remaining());
      const found = findings ?? redacted.findings;
      if (redacted.findings.length === 0 && !findings) return;
      result = await this.step(STEP_SPANS.redaction, { 'enkrypt.direction': direction, 'enkrypt.server': serverName }, async (span) => {
        for (const p of found) m.piiRedactions.add(p.count, { server: serverName, direction, pii_type: p.type });
        span.setAttribute('enkrypt.pii.types', found.map((p) => p.type));
        return redacted.result;
      });
      outcome.guardrails = { ...outcome.guardrails, redacted: { ...outcome.guardrails?.redacted, output: found.map((p) => p.type) } };
    };

    if (result.isError) {
      // An upstream error is output too: under a PII-redacting output policy it is redacted before
      // it reaches the client (its other output checks do not apply to an error).
      if (guard && server.output_guardrails_policy.enabled && server.output_guardrails_policy.additional_config.pii_redaction) {
        const failed = await redactOutput('output').then(() => undefined, (error: unknown) => error as Error);
        if (failed) return redactionFailed(failed);
      }
      outcome.content = result.content;
      return fail('failure', 'tool_error', `The tool reported an error: ${textOf(result).slice(0, 300)}`);
    }

    // 4. output guardrails and redaction
    if (guard && server.output_guardrails_policy.enabled) {
      if (remaining() <= 0) return outOfBudget();
      // Structured content is output too: the guardrails see it (as JSON) beside the text.
      const text = result.structuredContent ? `${textOf(result)}\n${JSON.stringify(result.structuredContent)}` : textOf(result);
      const verdict = await this.step(STEP_SPANS.outputGuardrails, { 'enkrypt.server': serverName, 'gen_ai.tool.name': tool }, async (span) => {
        const v = await this.callGuardrail('output', serverName, remaining(), (signal) =>
          this.guardrails.checkOutput({ server: serverName, tool, toolDescription: toolDef.description, args, text, policy: server.output_guardrails_policy }, signal),
        );
        span.setAttribute('enkrypt.guardrails.violations', v.violations.map((x) => x.type));
        return v;
      }).catch((error: unknown) => error as Error);
      if (verdict instanceof Error) {
        const e = toGatewayError(verdict);
        return fail(e.errorType === 'timeout' ? 'timeout' : 'error', `guardrail_${e.errorType}`, `Output guardrail check failed: ${e.message}`);
      }
      this.recordViolations(serverName, 'output', verdict);
      outcome.guardrails = { ...outcome.guardrails, output: verdict.violations.map((v) => v.type) };
      const blocking = verdict.violations.find((v) => v.blocking);
      if (blocking) {
        m.toolCallBlocked.add(1, { server: serverName, tool, direction: 'output', violation_type: blocking.type });
        return fail('blocked', `output_${blocking.type}`, `Blocked by output guardrails (${server.output_guardrails_policy.policy_name}): ${blocking.detail}`);
      }
      if (verdict.redacted !== undefined) {
        const failed = await redactOutput('output', verdict.pii).then(() => undefined, (error: unknown) => error as Error);
        if (failed) return redactionFailed(failed);
      }
    }
    outcome.content = result.content;
    if (result.structuredContent) outcome.structuredContent = result.structuredContent;
    return finish();
  }

  /** `result` with PII redacted in its text content and structured content, within `budgetMs`. */
  private async redactResult(result: CallToolResult, budgetMs: number): Promise<{ result: CallToolResult; findings: PiiFinding[] }> {
    const pacer = new ScanPacer(AbortSignal.timeout(Math.max(1, Math.ceil(budgetMs))));
    const counts = new Map<PiiType, number>();
    const content: CallToolResult['content'] = [];
    for (const c of result.content) {
      if (c.type !== 'text') {
        content.push(c);
        continue;
      }
      const r = await redactPiiText(c.text, pacer);
      for (const f of r.findings) counts.set(f.type, (counts.get(f.type) ?? 0) + f.count);
      content.push({ ...c, text: r.text });
    }
    const out: CallToolResult = { ...result, content };
    if (result.structuredContent) out.structuredContent = (await redactPiiInValue(result.structuredContent, counts, pacer)) as Record<string, unknown>;
    return { result: out, findings: findingsOf(counts) };
  }

  private async upstreamCall(server: ServerConfig, tool: string, args: Record<string, unknown>, budget: number, signal: AbortSignal): Promise<CallToolResult> {
    const span = this.tracer.startSpan(`tools/call ${tool}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': tool,
        'gen_ai.operation.name': 'execute_tool',
        'network.transport': 'pipe',
        // No server.address: a stdio upstream has none (semconv: set it only for network peers).
        // No jsonrpc.request.id: the SDK client assigns it inside callTool and does not expose it.
      },
    });
    const ctx = trace.setSpan(context.active(), span);
    const meta: Record<string, unknown> = {};
    injectTraceContext(meta, ctx);
    if (this.capturePayloads) span.setAttribute('gen_ai.tool.call.arguments', capture(args));
    const started = performance.now();
    let errorType: string | undefined;
    try {
      const common = this.options.config.gateway.common_mcp_gateway_config;
      const result = await context.with(ctx, () =>
        this.upstreams.callTool(server, { name: tool, arguments: args, _meta: meta }, {
          connectTimeoutMs: common.timeout_settings.discovery_timeout * 1000,
          requestTimeoutMs: budget * 2 + 1000,
          signal,
          maxResultBytes: common.max_result_bytes,
        }),
      );
      if (result.isError) errorType = 'tool_error';
      if (this.capturePayloads) span.setAttribute('gen_ai.tool.call.result', capture(textOf(result)));
      return result;
    } catch (error) {
      // An abort is the timeout manager's fail level (or the client cancelling), not an upstream fault.
      errorType = signal.aborted ? (signal.reason instanceof OperationTimeoutError ? 'timeout' : 'cancelled') : toGatewayError(error).errorType;
      throw error;
    } finally {
      if (errorType) {
        span.setAttribute('error.type', errorType);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
      }
      span.end();
      this.metrics.mcpClientOperationDuration.record((performance.now() - started) / 1000, {
        'mcp.method.name': 'tools/call',
        'gen_ai.tool.name': tool,
        'network.transport': 'pipe',
        ...(errorType ? { 'error.type': errorType } : {}),
      });
    }
  }

  /** One guardrail API request: metrics, duration and its own timeout budget. */
  private async callGuardrail(
    direction: 'input' | 'output',
    server: string,
    callBudgetLeftMs: number,
    fn: (signal: AbortSignal) => Promise<GuardrailVerdict>,
  ): Promise<GuardrailVerdict> {
    const endpoint = `guardrails/${direction}`;
    // Its own budget, but never more than what is left of the call's.
    const budget = Math.max(1, Math.min(this.options.config.gateway.common_mcp_gateway_config.timeout_settings.guardrail_timeout * 1000, callBudgetLeftMs));
    const started = performance.now();
    let outcome: 'success' | 'error' | 'timeout' = 'success';
    try {
      return await this.timeouts.run('guardrail', budget, `Guardrail ${direction} check`, fn, { attributes: { server } });
    } catch (error) {
      outcome = error instanceof OperationTimeoutError ? 'timeout' : 'error';
      throw error;
    } finally {
      this.metrics.apiRequests.add(1, { endpoint, outcome });
      this.metrics.apiRequestDuration.record((performance.now() - started) / 1000, { endpoint, outcome });
    }
  }

  private recordViolations(server: string, direction: 'input' | 'output', verdict: GuardrailVerdict): void {
    const m = this.metrics;
    for (const v of verdict.violations) {
      m.guardrailViolations.add(1, { server, direction, violation_type: v.type });
      if (direction === 'input') m.inputGuardrailViolations.add(1, { server, violation_type: v.type });
      else m.outputGuardrailViolations.add(1, { server, violation_type: v.type });
      if (v.type === 'relevancy') m.relevancyViolations.add(1, { server });
      if (v.type === 'adherence') m.adherenceViolations.add(1, { server });
      if (v.type === 'hallucination') m.hallucinationViolations.add(1, { server });
    }
  }
}

// ---------------------------------------------------------------- helpers

function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] };
}

function textOf(result: CallToolResult): string {
  return result.content
    .filter((c): c is { type: 'text'; text: string } => c.type === 'text')
    .map((c) => c.text)
    .join('\n');
}

function capture(value: unknown): string {
  // Only the preview is redacted (synchronously, so bounded): a generous prefix, so that PII
  // straddling the cut is whole when redacted.
  const json = JSON.stringify(redactSecrets(value)) ?? '';
  const text = redactPii(json.slice(0, PAYLOAD_LIMIT * 32)).text;
  return text.length > PAYLOAD_LIMIT || json.length > PAYLOAD_LIMIT * 32 ? `${text.slice(0, PAYLOAD_LIMIT)}…` : text;
}

function summarisePolicy(policy: GuardrailPolicy): Record<string, unknown> {
  const c = policy.additional_config;
  return {
    enabled: policy.enabled,
    policy_name: policy.policy_name,
    block: policy.block,
    checks: { pii_redaction: c.pii_redaction, relevancy: c.relevancy, adherence: c.adherence, hallucination: c.hallucination },
    blocked_keywords: c.blocked_keywords.length,
  };
}

function unauthorizedMessage(transport: TransportKind, key: string | undefined): string {
  const how = transport === 'stdio' ? `the ${GATEWAY_KEY_ENV} environment variable` : `the "apikey" header (or Authorization: Bearer)`;
  return key ? `Unauthorized: the gateway key in ${how} is not recognised` : `Unauthorized: no gateway key; set ${how}`;
}

function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof OperationTimeoutError) return new GatewayError('timeout', error.message);
  if (error instanceof UpstreamError) return new GatewayError(error.errorType, error.message);
  if (error instanceof ScanBudgetError) return new GatewayError(error.errorType, error.message);
  if (error instanceof McpError) return new GatewayError('upstream_error', `Upstream error: ${error.message}`);
  if (error instanceof Error && error.name === 'OperationCancelledError') return new GatewayError('cancelled', error.message);
  return new GatewayError('internal_error', (error as Error)?.message ?? String(error));
}

export type { Context };
