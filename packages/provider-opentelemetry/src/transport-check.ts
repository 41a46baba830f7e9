// Can a connection be made at all (TCP, and the TLS handshake when secure)? Used to explain a
// failed probe export: refused, unknown host, timed out, or which TLS problem. Hand-written: the
// SDK exporters report these as one opaque error (gRPC: "No connection established").
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { ConnectivityResult } from '@secure-mcp-gateway/telemetry-core';
import type { Endpoint } from './endpoint';

/** HTTP/2 client connection preface plus an empty SETTINGS frame: a server answers with its SETTINGS. */
const HTTP2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);

export function plainHint(keys: Endpoint['keys']): string {
  return (
    `Start an OpenTelemetry Collector listening there, or set ${keys.url} to where one listens ` +
    '(OTLP/gRPC usually on port 4317, OTLP/HTTP on 4318); set "enabled": false to turn telemetry off.'
  );
}

export function describeError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ECONNREFUSED') return 'connection refused';
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'host not found';
  if (error.code === 'ETIMEDOUT') return 'timed out';
  // OpenSSL messages carry a long prefix; keep the reason ("tlsv13 alert certificate required").
  const ssl = /SSL routines:[^:]*:([^:]+)/.exec(error.message);
  if (ssl?.[1]) return ssl[1].trim();
  return error.code && !error.message.includes(error.code) ? `${error.code}: ${error.message}` : error.message;
}

/** The fix for a failed TLS handshake, from OpenSSL's reason. */
export function tlsHint(message: string, keys: Endpoint['keys']): string {
  if (/wrong version number|packet length too long|unknown protocol|http request/i.test(message)) {
    return `The server answers without TLS: set ${keys.insecure} to true and use an http:// URL.`;
  }
  if (/certificate required|handshake failure|bad certificate|alert|closed the connection|ECONNRESET|socket hang up/i.test(message)) {
    return 'The collector refused the TLS handshake: if it requires client certificates (mTLS), set plugins.telemetry.config.cert and key.';
  }
  if (/self[- ]signed|unable to (get|verify)|certificate|CERT_|altnames/i.test(message)) {
    return "The server certificate is not trusted: set plugins.telemetry.config.ca to the collector's CA file, or check the url's host name matches the certificate.";
  }
  return `Check the collector speaks TLS on that port, or set ${keys.insecure} to true for a plain connection.`;
}

/**
 * A TCP connect (plus the TLS handshake when secure) within `timeoutMs`. With TLS 1.3 a server
 * that wants a client certificate rejects it only after the client's handshake completes, so the
 * check speaks first (the HTTP/2 preface) and waits for the server's answer.
 */
export function checkTransport(endpoint: Endpoint, timeoutMs: number, label: string): Promise<ConnectivityResult> {
  const target = `${endpoint.host}:${endpoint.port}`;
  return new Promise<ConnectivityResult>((done) => {
    let settled = false;
    let abort: (() => void) | undefined;
    const finish = (result: ConnectivityResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      abort?.();
      done(result);
    };
    const timer = setTimeout(
      () => finish({ ok: false, detail: `${label} endpoint ${endpoint.display} did not answer within ${timeoutMs} ms`, hint: plainHint(endpoint.keys) }),
      Math.max(1, timeoutMs),
    );
    timer.unref?.();
    const fail = (error: NodeJS.ErrnoException, tlsStage: boolean): void =>
      finish({
        ok: false,
        detail: `${tlsStage ? 'TLS handshake with' : 'cannot reach'} ${label} endpoint ${endpoint.display} (${target}): ${describeError(error)}`,
        hint: tlsStage ? tlsHint(`${error.code ?? ''} ${error.message}`, endpoint.keys) : plainHint(endpoint.keys),
      });

    if (!endpoint.secure) {
      const socket = net.connect({ host: endpoint.host, port: endpoint.port });
      abort = () => socket.destroy();
      socket.once('connect', () => finish({ ok: true, detail: `TCP connect to ${target} succeeded` }));
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
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    abort = () => socket.destroy();
    socket.once('connect', () => {
      connected = true;
    });
    socket.once('secureConnect', () => {
      socket.write(HTTP2_PREFACE);
      socket.once('data', () => finish({ ok: true, detail: `TLS connect to ${target} succeeded` }));
    });
    socket.once('close', () => fail(Object.assign(new Error('the server closed the connection during the TLS handshake'), { code: 'ECONNRESET' }), true));
    socket.once('error', (error) => fail(error, connected));
  });
}

/** Does the server complete a TLS handshake (whatever its certificate)? Diagnosis only: nothing is sent. */
export function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }) });
    const timer = setTimeout(() => finish(false), Math.max(1, timeoutMs));
    timer.unref?.();
    function finish(value: boolean): void {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    }
    socket.once('secureConnect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
  });
}
