import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { getLogger } from '@secure-mcp-gateway/telemetry-core';
import type { ServerConfig } from './config';
import { UPSTREAM_MESSAGE_TOO_LARGE, UpstreamStdioTransport } from './upstream-stdio';

/** A failure reaching or talking to an upstream MCP server. `errorType` is a short class for metrics. */
export class UpstreamError extends Error {
  constructor(
    readonly errorType: 'upstream_unavailable' | 'upstream_crashed' | 'upstream_error' | 'upstream_result_too_large',
    message: string,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const log = getLogger('gateway.upstream');
const STDERR_TAIL_LINES = 5;

/** One live stdio connection to an upstream server. */
class UpstreamConnection {
  readonly client: Client;
  private readonly transport: UpstreamStdioTransport;
  private readonly stderrTail: string[] = [];
  closed = false;
  /** Requests sent and not yet settled. */
  private inFlight = 0;
  /** Replaced by a new process: closes once its last request settles. */
  private draining = false;

  constructor(
    readonly server: ServerConfig,
    configDir: string,
    private readonly onClosed: (connection: UpstreamConnection) => void,
    maxMessageBytes: number,
  ) {
    this.transport = new UpstreamStdioTransport({
      command: server.config.command,
      args: server.config.args,
      env: server.config.env,
      cwd: server.config.cwd ? path.resolve(configDir, server.config.cwd) : configDir,
      maxMessageBytes,
    });
    // Upstream stderr is never forwarded (it may carry payloads); the last lines explain a
    // failed start or a crash. A partial line is capped, so a babbling upstream costs nothing.
    let partial = '';
    this.transport.stderr.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = (lines.pop() ?? '').slice(-1024);
      for (const line of lines) if (line.trim()) this.pushStderr(line);
    });
    this.client = new Client({ name: 'secure-mcp-gateway', version: '0.1.0' }, { capabilities: {} });
    this.client.onclose = () => {
      this.closed = true;
      this.onClosed(this);
    };
  }

  private pushStderr(line: string): void {
    this.stderrTail.push(line.length > 300 ? `${line.slice(0, 300)}…` : line);
    if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
  }

  stderrSummary(): string {
    const last = this.stderrTail.at(-1);
    return last ? ` (last stderr line: ${last})` : '';
  }

  async connect(timeoutMs: number): Promise<void> {
    try {
      await this.client.connect(this.transport, { timeout: timeoutMs });
    } catch (error) {
      this.closed = true;
      await this.close();
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `command "${this.server.config.command}" not found` : (error as Error).message;
      throw new UpstreamError('upstream_unavailable', `Upstream server "${this.server.server_name}" could not be started: ${reason}${this.stderrSummary()}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.close().catch(() => {});
  }

  /** Runs one request on this connection, counted in flight (a draining connection closes after its last). */
  async track<T>(request: () => Promise<T>): Promise<T> {
    this.inFlight += 1;
    try {
      return await request();
    } finally {
      this.inFlight -= 1;
      if (this.draining && this.inFlight === 0) void this.close();
    }
  }

  /** Takes no new requests (the manager routes them to a new process) and closes when idle. */
  drain(): void {
    this.draining = true;
    if (this.inFlight === 0) void this.close();
  }
}

/**
 * Content without the text blocks that only repeat `structuredContent` (MCP asks a tool to send
 * both); the structured copy is kept, so the payload is forwarded once.
 */
export function withoutStructuredEcho(result: CallToolResult): CallToolResult['content'] {
  if (!result.structuredContent) return result.content;
  const serialized = JSON.stringify(result.structuredContent);
  return result.content.filter((c) => {
    if (c.type !== 'text') return true;
    if (c.text === serialized) return false;
    if (c.text.length < serialized.length / 2 || c.text.length > serialized.length * 4) return true;
    try {
      return JSON.stringify(JSON.parse(c.text)) !== serialized;
    } catch {
      return true;
    }
  });
}

/** The size of a tool result as the gateway forwards it: characters of text (base64 for binary) plus its structured content. */
export function resultSize(result: CallToolResult): number {
  let size = 0;
  for (const item of result.content ?? []) {
    if (item.type === 'text') size += item.text.length;
    else if (item.type === 'image' || item.type === 'audio') size += item.data.length;
    else if (item.type === 'resource') size += 'text' in item.resource ? String(item.resource.text).length : String(item.resource.blob).length;
    else size += 256;
  }
  if (result.structuredContent) size += JSON.stringify(result.structuredContent).length;
  return size;
}

/** Starts upstream servers on first use, keeps one connection each, restarts them after a crash. */
export class UpstreamManager {
  private readonly connections = new Map<string, Promise<UpstreamConnection>>();

  /**
   * `maxResultBytes`: `max_result_bytes`. A message from an upstream is read up to four times that
   * (a result carries its payload as text and as structured content, JSON-escaped); longer, it is
   * dropped as it streams in and its request fails as upstream_result_too_large.
   */
  constructor(
    private readonly configDir: string,
    private readonly maxResultBytes: number = 4 * 1024 * 1024,
  ) {}

  private connection(server: ServerConfig, timeoutMs: number): Promise<UpstreamConnection> {
    let pending = this.connections.get(server.server_name);
    if (!pending) {
      const connection = new UpstreamConnection(server, this.configDir, (closed) => {
        // Only forget the connection that closed, not a newer one.
        void this.connections.get(server.server_name)?.then((current) => {
          if (current === closed) this.connections.delete(server.server_name);
        }, () => {});
        log.warn('upstream_closed', { server: server.server_name });
      }, this.maxResultBytes * 4 + 64 * 1024);
      pending = connection.connect(timeoutMs).then(() => connection);
      this.connections.set(server.server_name, pending);
      pending.catch(() => {
        if (this.connections.get(server.server_name) === pending) this.connections.delete(server.server_name);
      });
    }
    return pending;
  }

  /** Resolves once the server has a live connection (starting its process if needed, within `timeoutMs`). */
  async ensureConnected(server: ServerConfig, timeoutMs: number): Promise<void> {
    await this.connection(server, timeoutMs);
  }

  async listTools(server: ServerConfig, timeoutMs: number, signal: AbortSignal): Promise<Tool[]> {
    const connection = await this.connection(server, timeoutMs);
    try {
      return await connection.track(async () => {
        const tools: Tool[] = [];
        let cursor: string | undefined;
        do {
          const page = await connection.client.listTools(cursor ? { cursor } : undefined, { signal, timeout: timeoutMs * 2 });
          tools.push(...page.tools);
          cursor = page.nextCursor;
        } while (cursor);
        return tools;
      });
    } catch (error) {
      throw this.translate(error, server, connection);
    }
  }

  async callTool(
    server: ServerConfig,
    request: { name: string; arguments: Record<string, unknown>; _meta: Record<string, unknown> },
    options: { connectTimeoutMs: number; requestTimeoutMs: number; signal: AbortSignal; maxResultBytes: number },
  ): Promise<CallToolResult> {
    const connection = await this.connection(server, options.connectTimeoutMs);
    let result: CallToolResult;
    try {
      // The TimeoutManager owns the budget; the SDK's own timeout is only a backstop.
      result = await connection.track(
        async () => (await connection.client.callTool(request, undefined, { signal: options.signal, timeout: options.requestTimeoutMs })) as CallToolResult,
      );
    } catch (error) {
      throw this.translate(error, server, connection);
    }
    // A text block that only repeats the structured content is dropped here: the payload is
    // scanned, redacted and forwarded once.
    result = { ...result, content: withoutStructuredEcho(result) };
    const size = resultSize(result);
    if (size > options.maxResultBytes) {
      throw new UpstreamError(
        'upstream_result_too_large',
        `Upstream server "${server.server_name}" returned a ${size}-byte result for "${request.name}", over the ${options.maxResultBytes}-byte limit (common_mcp_gateway_config.max_result_bytes)`,
      );
    }
    return result;
  }

  private translate(error: unknown, server: ServerConfig, connection: UpstreamConnection): Error {
    if (error instanceof McpError && error.code === UPSTREAM_MESSAGE_TOO_LARGE) {
      return new UpstreamError('upstream_result_too_large', `Upstream server "${server.server_name}" sent a result over the gateway's limit (common_mcp_gateway_config.max_result_bytes): ${error.message}`);
    }
    if (error instanceof McpError && error.code === ErrorCode.ConnectionClosed) {
      return new UpstreamError('upstream_crashed', `Upstream server "${server.server_name}" closed the connection mid-call${connection.stderrSummary()}; it will be restarted on the next call`);
    }
    if (connection.closed && !(error instanceof McpError && error.code === ErrorCode.InvalidParams)) {
      return new UpstreamError('upstream_crashed', `Upstream server "${server.server_name}" exited mid-call${connection.stderrSummary()}; it will be restarted on the next call`);
    }
    return error as Error;
  }

  /**
   * Replaces a server's process, e.g. after a call wedged past its fail level: new calls start a
   * new process at once, and the old one is stopped when its other calls in flight have settled
   * (they finish, or reach their own deadlines), so none of them fails because of a neighbour.
   */
  async recycle(server: ServerConfig, connectTimeoutMs: number): Promise<void> {
    const pending = this.connections.get(server.server_name);
    this.connections.delete(server.server_name);
    // The replacement starts now, so the next call does not pay for a cold start in its budget.
    this.connection(server, connectTimeoutMs).catch(() => {});
    const connection = await pending?.catch(() => undefined);
    connection?.drain();
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((p) => p.then((c) => c.close(), () => {})));
  }
}
