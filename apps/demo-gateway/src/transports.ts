import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { getLogger } from '@secure-mcp-gateway/telemetry-core';
import { GATEWAY_KEY_ENV, keyFromHeaders, SessionLimitError, type Gateway } from './gateway';

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

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : undefined);
      } catch {
        reject(new SyntaxError('request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}

/**
 * Streamable HTTP at `/mcp`: one transport and MCP server per session (`mcp-session-id`).
 * The gateway key travels in the `apikey` header of each request and is checked per call.
 */
export async function serveHttp(
  gateway: Gateway,
  options: { host?: string; port?: number; path?: string; idleSessionTimeoutMs?: number } = {},
): Promise<HttpGateway> {
  const host = options.host ?? '127.0.0.1';
  const mcpPath = options.path ?? '/mcp';
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const lastSeen = new Map<string, number>();
  // Clients that vanish without DELETE would otherwise hold the session gauges up forever.
  const idleMs = options.idleSessionTimeoutMs ?? 30 * 60_000;
  const sweeper = setInterval(() => {
    const cutoff = Date.now() - idleMs;
    for (const [id, seen] of lastSeen) {
      if (seen < cutoff) {
        lastSeen.delete(id);
        log.info('http_session_expired', { session_id: id, idle_ms: idleMs });
        void transports.get(id)?.close();
      }
    }
  }, Math.min(idleMs, 60_000));
  sweeper.unref();

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
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (existing && typeof sessionId === 'string') lastSeen.set(sessionId, Date.now());
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = await readBody(req);
      } catch (error) {
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
      // Sessions cost memory and count in the gauges for up to idleSessionTimeoutMs: only a
      // valid key opens one, and never more than max_sessions.
      const auth = gateway.checkSessionKey('http', keyFromHeaders(req.headers));
      if (!auth.ok) {
        res.setHeader('www-authenticate', 'ApiKey header="apikey"');
        jsonRpcError(res, 401, -32001, auth.message);
        return;
      }
      const id = randomUUID();
      let session;
      try {
        session = gateway.openSession('http', { id });
      } catch (error) {
        if (!(error instanceof SessionLimitError)) throw error;
        res.setHeader('retry-after', '30');
        jsonRpcError(res, 503, -32000, error.message);
        return;
      }
      const mcpServer = gateway.createServer(session);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => id,
        onsessioninitialized: (sid) => {
          transports.set(sid, transport);
          lastSeen.set(sid, Date.now());
        },
      });
      transport.onclose = () => {
        transports.delete(id);
        lastSeen.delete(id);
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
      await Promise.all([...transports.values()].map((t) => t.close().catch(() => {})));
      transports.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
