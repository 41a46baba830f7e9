import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { getLogger } from '@secure-mcp-gateway/telemetry-core';
import { AuthBackoff, type AuthBackoffOptions } from './auth-backoff';
import { BodyTooLargeError, readJsonBody } from './body-reader';
import { GATEWAY_KEY_ENV, SessionLimitError, type Gateway } from './gateway';
import { keyFromHeaders } from './key-store';

const log = getLogger('gateway.transport');

/** Serves one MCP session over this process's stdin/stdout. Resolves when stdin closes. */
export async function serveStdio(gateway: Gateway, options: { env?: NodeJS.ProcessEnv } = {}): Promise<{ closed: Promise<void> }> {
  const env = options.env ?? process.env;
  // One session per process; a missing or bad key is reported on each call (the client can still
  // list the tools and read the error), as in the Python gateway.
  const session = gateway.openSession('stdio', { envKey: env[GATEWAY_KEY_ENV] });
  const server = gateway.createServer(session);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    const prev = server.onclose;
    server.onclose = () => {
      prev?.();
      resolve();
    };
    // StdioServerTransport does not notice stdin ending on its own.
    process.stdin.once('end', () => void server.close());
  });
  await server.connect(transport);
  return { closed };
}

export interface HttpGateway {
  readonly url: string;
  readonly server: HttpServer;
  close(): Promise<void>;
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/** Where a request comes from, for the bad-key back-off (the socket's address, never a header). */
function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Streamable HTTP at `/mcp`: one transport and MCP server per session (`mcp-session-id`).
 * The gateway key travels in the `apikey` header (or `Authorization: Bearer`) of every request
 * and is checked before the request body reaches the MCP SDK; clients that keep presenting bad
 * keys are slowed down (HTTP 429 + Retry-After). Bodies over `max_request_bytes` get 413.
 */
export async function serveHttp(
  gateway: Gateway,
  options: { host?: string; port?: number; path?: string; maxRequestBytes?: number; authBackoff?: AuthBackoffOptions } = {},
): Promise<HttpGateway> {
  const host = options.host ?? '127.0.0.1';
  const mcpPath = options.path ?? '/mcp';
  const maxBody = options.maxRequestBytes ?? gateway.maxRequestBytes;
  const transports = new Map<string, StreamableHTTPServerTransport>();
  // Clients that vanish without DELETE would otherwise hold their slots (and the gauges) up.
  const idleMs = gateway.sessionIdleTimeoutMs;
  const sweeper = setInterval(() => {
    for (const id of gateway.idleSessions()) {
      const transport = transports.get(id);
      if (!transport) continue;
      log.info('http_session_expired', { session_id: id, idle_ms: idleMs });
      void transport.close();
    }
  }, Math.max(250, Math.min(idleMs / 4, 60_000)));
  sweeper.unref();
  const backoff = new AuthBackoff(options.authBackoff ?? {}, (summary) => log.warn('auth_failures', { transport: 'http', ...summary }));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'ok', ...gateway.liveCounts() }));
      return;
    }
    if (url.pathname !== mcpPath) {
      jsonRpcError(res, 404, -32601, `Not found: MCP is served at ${mcpPath}`);
      return;
    }
    // The key first, on every request: nothing of an unauthenticated request is parsed.
    const address = clientAddress(req);
    const wait = backoff.retryAfterSeconds(address);
    if (wait > 0) {
      res.setHeader('connection', 'close');
      jsonRpcError(res, 429, -32001, `Too many requests with a bad gateway key from this address; retry in ${wait} s`, { 'retry-after': String(wait) });
      return;
    }
    const auth = gateway.checkKey('http', keyFromHeaders(req.headers));
    if (!auth.ok) {
      backoff.failure(address);
      res.setHeader('www-authenticate', 'ApiKey header="apikey"');
      res.setHeader('connection', 'close');
      jsonRpcError(res, 401, -32001, auth.message);
      return;
    }
    backoff.success(address);

    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (existing && typeof sessionId === 'string') gateway.touchSession(sessionId);
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = await readJsonBody(req, maxBody);
      } catch (error) {
        if (error instanceof BodyTooLargeError) {
          // Answer, then stop reading: the rest of an oversized body is not worth a socket.
          res.once('finish', () => setTimeout(() => req.socket.destroy(), 1000).unref());
          jsonRpcError(res, 413, -32600, `${error.message} (common_mcp_gateway_config.max_request_bytes)`, { connection: 'close' });
          return;
        }
        jsonRpcError(res, 400, -32700, `Parse error: ${(error as Error).message}`);
        return;
      }
      if (existing) {
        await existing.handleRequest(req, res, body);
        return;
      }
      if (sessionId !== undefined) {
        jsonRpcError(res, 404, -32001, 'Session not found: it ended or the gateway restarted; initialize a new session');
        return;
      }
      if (!isInitializeRequest(body)) {
        jsonRpcError(res, 400, -32600, 'Bad Request: no mcp-session-id header, and the request is not an initialize request');
        return;
      }
      // Sessions cost memory and count in the gauges until they end or idle out: only a valid
      // key opens one, never more than max_sessions, nor max_sessions_per_key for one key.
      const id = randomUUID();
      let session;
      try {
        session = gateway.openSession('http', { id, keyId: auth.grant.keyId });
      } catch (error) {
        if (!(error instanceof SessionLimitError)) throw error;
        jsonRpcError(res, 503, -32000, error.message, { 'retry-after': String(error.retryAfterSeconds) });
        return;
      }
      const mcpServer = gateway.createServer(session);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        onsessioninitialized: (sid) => {
          transports.set(sid, transport);
          gateway.touchSession(sid);
        },
      });
      transport.onclose = () => {
        transports.delete(id);
        gateway.closeSession(id);
      };
      await mcpServer.connect(transport);
      await transport.handleRequest(req, res, body);
      // An initialize that failed never created the session.
      if (!transports.has(id)) gateway.closeSession(id);
      return;
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (!existing) {
        jsonRpcError(res, sessionId ? 404 : 400, -32001, sessionId ? 'Session not found' : 'Bad Request: mcp-session-id header required');
        return;
      }
      await existing.handleRequest(req, res);
      return;
    }
    res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('http_request_failed', { error_type: (error as Error).name });
      jsonRpcError(res, 500, -32603, 'Internal gateway error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}${mcpPath}`;
  log.info('http_listening', { url });
  return {
    url,
    server,
    async close() {
      clearInterval(sweeper);
      backoff.close();
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => {})));
      transports.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
