// Where and how to export: protocol, per-signal URLs, TLS material, and the reachability check.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectivityResult, OtlpProtocol, TelemetrySettings } from '@secure-mcp-gateway/telemetry-core';

export type Signal = 'traces' | 'metrics' | 'logs';

export interface Endpoint {
  protocol: OtlpProtocol;
  /** TLS on the wire. */
  secure: boolean;
  host: string;
  port: number;
  /** The endpoint as users wrote it, credentials stripped (safe to print). */
  display: string;
  /** gRPC: `host:port` URL for the exporter. HTTP: the base URL (signals append `/v1/<signal>`). */
  baseUrl: string;
  signalUrl(signal: Signal): string;
  tls: { ca?: Buffer; cert?: Buffer; key?: Buffer };
}

const SIGNAL_SUFFIX = /\/v1\/(traces|metrics|logs)\/?$/;

function readTlsFile(kind: string, path: string | undefined, configDir: string): Buffer | undefined {
  if (!path) return undefined;
  const full = isAbsolute(path) ? path : resolve(configDir, path);
  try {
    return readFileSync(full);
  } catch (error) {
    throw new Error(
      `opentelemetry telemetry: cannot read the TLS ${kind} file ${full} (plugins.telemetry.config.${kind}): ` +
        `${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
}

/** Resolves settings into an endpoint. Throws an Error naming the config key on bad input. */
export function resolveEndpoint(settings: TelemetrySettings, configDir: string): Endpoint {
  let url: URL;
  try {
    url = new URL(settings.url);
  } catch {
    throw new Error(
      `opentelemetry telemetry: plugins.telemetry.config.url ${JSON.stringify(settings.url)} is not a URL; ` +
        'use e.g. http://localhost:4317 (gRPC) or http://localhost:4318 (HTTP/protobuf)',
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:' && url.protocol !== 'grpc:' && url.protocol !== 'grpcs:') {
    throw new Error(
      `opentelemetry telemetry: plugins.telemetry.config.url must start with http:// or https://, got ${url.protocol}//`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  // No protocol given: port 4318 or a path means OTLP/HTTP (the collector's conventions), else gRPC.
  const protocol: OtlpProtocol = settings.protocol ?? (url.port === '4318' || path !== '' ? 'http/protobuf' : 'grpc');
  // `insecure: false` asks for TLS even on an http:// URL; an https:// URL is TLS whatever `insecure` says.
  const secure = !settings.insecure || url.protocol === 'https:' || url.protocol === 'grpcs:';
  const defaultPort = protocol === 'grpc' ? 4317 : secure ? 443 : 80;
  const port = url.port ? Number(url.port) : defaultPort;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const scheme = secure ? 'https' : 'http';
  const hostPort = url.port || protocol === 'grpc' ? `${url.hostname}:${port}` : url.hostname;
  const display = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;

  const tlsFiles = {
    ca: readTlsFile('ca', settings.tls.ca, configDir),
    cert: readTlsFile('cert', settings.tls.cert, configDir),
    key: readTlsFile('key', settings.tls.key, configDir),
  };
  if (Boolean(tlsFiles.cert) !== Boolean(tlsFiles.key)) {
    throw new Error(
      'opentelemetry telemetry: mTLS needs both plugins.telemetry.config.cert and plugins.telemetry.config.key ' +
        `(only ${tlsFiles.cert ? 'cert' : 'key'} is set)`,
    );
  }
  if (!secure && (tlsFiles.ca || tlsFiles.cert)) {
    throw new Error(
      'opentelemetry telemetry: ca/cert/key are set but the connection is insecure; set ' +
        'plugins.telemetry.config.insecure to false (or use an https:// url) to use TLS',
    );
  }
  const tlsMaterial: Endpoint['tls'] = {};
  if (tlsFiles.ca) tlsMaterial.ca = tlsFiles.ca;
  if (tlsFiles.cert) tlsMaterial.cert = tlsFiles.cert;
  if (tlsFiles.key) tlsMaterial.key = tlsFiles.key;

  const basePath = path.replace(SIGNAL_SUFFIX, '');
  const baseUrl = protocol === 'grpc' ? `${scheme}://${hostPort}` : `${scheme}://${hostPort}${basePath}`;
  return {
    protocol,
    secure,
    host,
    port,
    display,
    baseUrl,
    signalUrl: (signal) => (protocol === 'grpc' ? baseUrl : `${baseUrl}/v1/${signal}`),
    tls: tlsMaterial,
  };
}

/** HTTP/2 client connection preface plus an empty SETTINGS frame: a gRPC server answers with its SETTINGS. */
const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

const HINT_PLAIN =
  'Start an OpenTelemetry Collector listening there, or set plugins.telemetry.config.url to where one listens ' +
  '(OTLP/gRPC usually on port 4317, OTLP/HTTP on 4318); set "enabled": false to turn telemetry off.';

function describeError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'host not found';
  if (error.code === 'ETIMEDOUT') return 'timed out';
  // OpenSSL messages carry a long prefix; keep the reason ("tlsv13 alert certificate required").
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(error.message);
  if (ssl?.[1]) return ssl[1].trim();
  return error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message;
}

function tlsHint(message: string): string {
  if (/certificate required|handshake failure|bad certificate|alert|closed the connection|ECONNRESET|socket hang up/i.test(message)) {
    return 'The collector refused the TLS handshake: if it requires client certificates (mTLS), set plugins.telemetry.config.cert and key.';
  }
  if (/self[- ]signed|unable to (get|verify)|certificate|CERT_|altnames/i.test(message)) {
    return "The server certificate is not trusted: set plugins.telemetry.config.ca to the collector's CA file, or check the url's host name matches the certificate.";
  }
  return 'Check the collector speaks TLS on that port, or set plugins.telemetry.config.insecure to true for a plain connection.';
}

/**
 * Can the endpoint be reached within `timeoutMs`? gRPC: a TCP connect (plus a TLS handshake
 * when secure). HTTP: a GET of the traces path (no body, no side effects); any HTTP answer, even 404/405,
 * means reachable.
 */
export function checkEndpoint(endpoint: Endpoint, timeoutMs: number): Promise<ConnectivityResult> {
  const target = `${endpoint.host}:${endpoint.port}`;
  const label = endpoint.protocol === 'grpc' ? 'OTLP/gRPC' : 'OTLP/HTTP';
  return new Promise<ConnectivityResult>((done) => {
    let settled = false;
    const finish = (result: ConnectivityResult, cleanup?: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cleanup?.();
      done(result);
    };
    const timer = setTimeout(() => {
      finish({
        ok: false,
        detail: `${label} endpoint ${endpoint.display} did not answer within ${timeoutMs} ms`,
        hint: HINT_PLAIN,
      }, abort);
    }, Math.max(1, timeoutMs));
    timer.unref?.();
    let abort: (() => void) | undefined;

    const fail = (error: NodeJS.ErrnoException, tlsStage: boolean): void => {
      const what = describeError(error);
      finish({
        ok: false,
        detail: `${tlsStage ? 'TLS handshake with' : 'cannot reach'} ${label} endpoint ${endpoint.display} (${target}): ${what}`,
        hint: tlsStage ? tlsHint(`${error.code ?? ''} ${error.message}`) : HINT_PLAIN,
      }, abort);
    };

    if (endpoint.protocol === 'grpc') {
      if (!endpoint.secure) {
        const socket = net.connect({ host: endpoint.host, port: endpoint.port });
        abort = () => socket.destroy();
        socket.once('connect', () => finish({ ok: true, detail: `TCP connect to ${target} succeeded` }, abort));
        socket.once('error', (error) => fail(error, false));
        return;
      }
      let connected = false;
      const socket = tls.connect({
        host: endpoint.host,
        port: endpoint.port,
        ...(net.isIP(endpoint.host) ? {} : { servername: endpoint.host }),
        ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
        ...(endpoint.tls.cert ? { cert: endpoint.tls.cert, key: endpoint.tls.key } : {}),
        ALPNProtocols: ['h2'],
      });
      abort = () => socket.destroy();
      socket.once('connect', () => {
        connected = true;
      });
      // With TLS 1.3 a server that wants a client certificate rejects it only after the client's
      // handshake completes, so speak first (the HTTP/2 preface) and wait for the server's answer.
      socket.once('secureConnect', () => {
        socket.write(HTTP2_PREFACE);
        socket.once('data', () => finish({ ok: true, detail: `TLS connect to ${target} succeeded` }, abort));
      });
      socket.once('close', () =>
        fail(Object.assign(new Error('the server closed the connection during the TLS handshake'), { code: 'ECONNRESET' }), true),
      );
      socket.once('error', (error) => fail(error, connected));
      return;
    }

    const url = new URL(endpoint.signalUrl('traces'));
    const request = (endpoint.secure ? https : http).request(url, {
      method: 'GET',
      agent: false,
      ...(endpoint.secure
        ? {
            ...(endpoint.tls.ca ? { ca: endpoint.tls.ca } : {}),
            ...(endpoint.tls.cert ? { cert: endpoint.tls.cert, key: endpoint.tls.key } : {}),
          }
        : {}),
    });
    let tlsStage = false;
    abort = () => request.destroy();
    request.once('socket', (socket) => {
      socket.once('connect', () => {
        tlsStage = endpoint.secure;
      });
    });
    request.once('response', (response) => {
      response.resume();
      finish({ ok: true, detail: `HTTP GET ${url.origin}${url.pathname} answered ${response.statusCode}` }, abort);
    });
    request.once('error', (error) => fail(error, tlsStage));
    request.end();
  });
}
