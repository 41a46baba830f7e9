// A real OTLP receiver for tests: gRPC (grpc-js) and HTTP (protobuf and JSON, node:http) on 127.0.0.1,
// decoding the actual wire format, with switchable failure behaviours.
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import {
  decodeSignal,
  encodeJsonRequest,
  type DecodedLog,
  type DecodedMetricPoint,
  type DecodedSpan,
  type Signal,
} from './decode';

export type ReceiverBehaviour = 'ok' | 'unavailable' | 'throttle' | 'stall';

export interface OtlpReceiverTlsOptions {
  /** Server certificate: PEM text or a file path. */
  cert: string;
  /** Server private key: PEM text or a file path. */
  key: string;
  /** CA that client certificates must chain to (PEM text or path); required with requireClientCert. */
  ca?: string;
  /** mTLS: refuse clients without a certificate signed by `ca`. */
  requireClientCert?: boolean;
}

export interface OtlpReceiverOptions {
  tls?: OtlpReceiverTlsOptions;
  /**
   * Listen on these ports instead of ephemeral ones: for a receiver that "comes back" on the
   * ports of one closed earlier (or of `reservePort()`), so an exporter's fixed URL reaches it.
   */
  ports?: { grpc?: number; http?: number };
  /** Initial behaviour (default `ok`). */
  behaviour?: ReceiverBehaviour;
}

export interface ReceivedRequest {
  signal: Signal;
  transport: 'grpc' | 'http';
  /** Request headers / gRPC metadata, lower-case keys (binary metadata left out). */
  headers: Record<string, string>;
  /** What the receiver did with it. */
  behaviour: ReceiverBehaviour;
  /** Items decoded from it (0 unless answered `ok`). */
  items: number;
  /** Size of the (uncompressed) body: 0 for an empty protobuf export, such as a connectivity probe. */
  bytes: number;
  /** OTLP/HTTP only, once accepted: the body's encoding (`application/x-protobuf` or `application/json`). */
  encoding?: 'protobuf' | 'json';
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:PORT` (`https://` with tls) */
  readonly grpcUrl: string;
  /** `http://127.0.0.1:PORT` (`https://` with tls); POST /v1/traces, /v1/metrics, /v1/logs */
  readonly httpUrl: string;
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Everything accepted (behaviour `ok`), in arrival order. */
  readonly spans: DecodedSpan[];
  readonly metrics: DecodedMetricPoint[];
  readonly logs: DecodedLog[];
  /** Every request that reached a handler, whatever the behaviour. */
  readonly requests: ReceivedRequest[];
  /** Requests that could not be decoded (should stay empty). */
  readonly errors: string[];
  /** Resolves once `predicate()` is true (checked every 25 ms); rejects after timeoutMs (default 10 s). */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** ok; unavailable = HTTP 503 / gRPC UNAVAILABLE; throttle = HTTP 429 / gRPC RESOURCE_EXHAUSTED; stall = never answer. */
  setBehaviour(behaviour: ReceiverBehaviour): void;
  /** Forgets everything received so far. */
  reset(): void;
  /** Stops both servers, cutting stalled requests. Idempotent. */
  close(): Promise<void>;
}

const GRPC_SERVICES: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const HTTP_PATHS: Record<string, Signal> = {
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
  '/v1/logs': 'logs',
};

function pem(value: string): Buffer {
  return value.includes('-----BEGIN') ? Buffer.from(value) : readFileSync(value);
}

const identity = (b: Buffer): Buffer => b;

/** A port that was free a moment ago on 127.0.0.1 (for a receiver that starts later). */
export async function reservePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startOtlpReceiver(options: OtlpReceiverOptions = {}): Promise<OtlpReceiver> {
  const spans: DecodedSpan[] = [];
  const metrics: DecodedMetricPoint[] = [];
  const logs: DecodedLog[] = [];
  const requests: ReceivedRequest[] = [];
  const errors: string[] = [];
  let behaviour: ReceiverBehaviour = options.behaviour ?? 'ok';
  const tls = options.tls;
  if (tls?.requireClientCert && !tls.ca) {
    throw new Error('startOtlpReceiver: tls.requireClientCert needs tls.ca (the CA client certificates chain to)');
  }

  /** Decodes and stores a body; returns the item count. Throws on a body that is not OTLP protobuf. */
  const accept = (signal: Signal, body: Uint8Array): number => {
    const decoded = decodeSignal(signal, body);
    if (decoded.spans) spans.push(...decoded.spans);
    if (decoded.metrics) metrics.push(...decoded.metrics);
    if (decoded.logs) logs.push(...decoded.logs);
    return (decoded.spans?.length ?? 0) + (decoded.metrics?.length ?? 0) + (decoded.logs?.length ?? 0);
  };

  // ---- gRPC ----
  const grpcServer = new grpc.Server();
  for (const [signal, path] of Object.entries(GRPC_SERVICES) as [Signal, string][]) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path,
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    grpcServer.addService(definition, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(call.metadata.getMap())) {
          if (typeof value === 'string') headers[key.toLowerCase()] = value;
        }
        const current = behaviour;
        const record: ReceivedRequest = { signal, transport: 'grpc', headers, behaviour: current, items: 0, bytes: call.request.length };
        requests.push(record);
        if (current === 'stall') return; // never answer; forceShutdown in close() ends it
        if (current === 'unavailable') {
          callback({ code: grpc.status.UNAVAILABLE, details: 'otlp-test-receiver: unavailable' });
          return;
        }
        if (current === 'throttle') {
          callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: 'otlp-test-receiver: throttled' });
          return;
        }
        try {
          record.items = accept(signal, call.request);
          callback(null, Buffer.alloc(0)); // an empty Export*ServiceResponse
        } catch (error) {
          errors.push(`grpc ${signal}: ${(error as Error).message}`);
          callback({ code: grpc.status.INVALID_ARGUMENT, details: `cannot decode ${signal}: ${(error as Error).message}` });
        }
      },
    });
  }
  const grpcCredentials = tls
    ? grpc.ServerCredentials.createSsl(
        tls.ca ? pem(tls.ca) : null,
        [{ private_key: pem(tls.key), cert_chain: pem(tls.cert) }],
        Boolean(tls.requireClientCert),
      )
    : grpc.ServerCredentials.createInsecure();
  const grpcPort = await new Promise<number>((resolve, reject) => {
    grpcServer.bindAsync(`127.0.0.1:${options.ports?.grpc ?? 0}`, grpcCredentials, (error, port) =>
      error ? reject(new Error(`otlp-test-receiver: gRPC bind failed: ${error.message}`)) : resolve(port),
    );
  });

  // ---- HTTP/protobuf ----
  const handler: http.RequestListener = (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const signal = HTTP_PATHS[path];
    if (req.method !== 'POST' || !signal) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`otlp-test-receiver: no route ${req.method} ${path}\n`);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
      }
      const raw = Buffer.concat(chunks);
      let body: Buffer;
      try {
        body = (headers['content-encoding'] ?? '').toLowerCase() === 'gzip' ? gunzipSync(raw) : raw;
      } catch (error) {
        errors.push(`http ${signal}: ${(error as Error).message}`);
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`otlp-test-receiver: cannot gunzip: ${(error as Error).message}\n`);
        return;
      }
      const current = behaviour;
      const record: ReceivedRequest = { signal, transport: 'http', headers, behaviour: current, items: 0, bytes: body.length };
      requests.push(record);
      if (current === 'stall') return; // never answer; close() destroys the socket
      if (current === 'unavailable') {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('otlp-test-receiver: unavailable\n');
        return;
      }
      if (current === 'throttle') {
        res.writeHead(429, { 'content-type': 'text/plain' }).end('otlp-test-receiver: throttled\n');
        return;
      }
      const contentType = headers['content-type'] ?? '';
      const json = contentType.startsWith('application/json');
      if (!json && !contentType.startsWith('application/x-protobuf')) {
        errors.push(`http ${signal}: unsupported content-type ${contentType || '(none)'}`);
        res.writeHead(415, { 'content-type': 'text/plain' }).end('otlp-test-receiver: only application/x-protobuf and application/json\n');
        return;
      }
      record.encoding = json ? 'json' : 'protobuf';
      try {
        record.items = accept(signal, json ? encodeJsonRequest(signal, body.toString('utf8')) : body);
        // An empty Export*ServiceResponse, in the request's encoding.
        if (json) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.alloc(0));
      } catch (error) {
        errors.push(`http ${signal}: ${(error as Error).message}`);
        res.writeHead(400, { 'content-type': 'text/plain' }).end(`otlp-test-receiver: cannot decode: ${(error as Error).message}\n`);
      }
    });
  };
  const httpServer = tls
    ? https.createServer(
        {
          cert: pem(tls.cert),
          key: pem(tls.key),
          ...(tls.ca ? { ca: pem(tls.ca) } : {}),
          requestCert: Boolean(tls.requireClientCert),
          rejectUnauthorized: Boolean(tls.requireClientCert),
        },
        handler,
      )
    : http.createServer(handler);
  const httpPort = await new Promise<number>((resolve, reject) => {
    httpServer.once('error', (error) => reject(new Error(`otlp-test-receiver: HTTP listen failed: ${error.message}`)));
    httpServer.listen(options.ports?.http ?? 0, '127.0.0.1', () => resolve((httpServer.address() as net.AddressInfo).port));
  });

  const scheme = tls ? 'https' : 'http';
  let closing: Promise<void> | undefined;

  return {
    grpcUrl: `${scheme}://127.0.0.1:${grpcPort}`,
    httpUrl: `${scheme}://127.0.0.1:${httpPort}`,
    grpcPort,
    httpPort,
    spans,
    metrics,
    logs,
    requests,
    errors,
    setBehaviour(next) {
      behaviour = next;
    },
    reset() {
      spans.length = 0;
      metrics.length = 0;
      logs.length = 0;
      requests.length = 0;
      errors.length = 0;
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = (): void => {
          let ok = false;
          try {
            ok = predicate();
          } catch {
            ok = false;
          }
          if (ok) return resolve();
          if (Date.now() >= deadline) {
            return reject(
              new Error(
                `otlp-test-receiver: waitFor timed out after ${timeoutMs} ms ` +
                  `(received ${spans.length} spans, ${metrics.length} metric points, ${logs.length} logs in ${requests.length} requests` +
                  `${errors.length ? `; errors: ${errors.join('; ')}` : ''})`,
              ),
            );
          }
          setTimeout(check, 25);
        };
        check();
      });
    },
    close() {
      closing ??= (async () => {
        grpcServer.forceShutdown();
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
