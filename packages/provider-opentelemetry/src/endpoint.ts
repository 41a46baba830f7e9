// Where and how each signal is exported: protocol, URL, TLS material, headers. Per-signal
// variables (OTEL_EXPORTER_OTLP_<SIGNAL>_*) over the general settings, which core has already
// resolved (general variable > config file > default).
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { OtlpProtocol, TelemetrySettings, TelemetrySignal } from '@secure-mcp-gateway/telemetry-core';

export type Signal = TelemetrySignal;
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** The config keys (or variables) an endpoint's values came from: messages name the one to change. */
export interface EndpointKeys {
  readonly url: string;
  readonly protocol: string;
  readonly insecure: string;
}

export interface Endpoint {
  readonly signal: Signal;
  /** Undefined: not given and not implied by the URL (neither 4317 nor 4318 nor a path): probed both ways. */
  readonly protocol: OtlpProtocol | undefined;
  /** TLS on the wire. */
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
  /** The endpoint as configured, credentials stripped (safe to print). */
  readonly display: string;
  /** The OTLP/HTTP URL of a signal (a per-signal endpoint is used as it is). */
  signalUrl(signal?: Signal): string;
  /** `http(s)://host:port`, what the OTLP/gRPC exporters take. */
  readonly grpcUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly compression: 'gzip' | 'none';
  /** OTEL_EXPORTER_OTLP_(<SIGNAL>_)TIMEOUT; undefined: export_timeout_ms. */
  readonly timeoutMs: number | undefined;
  readonly tls: { readonly ca?: Buffer; readonly cert?: Buffer; readonly key?: Buffer };
  readonly keys: EndpointKeys;
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

/** No protocol given: 4317 means gRPC, 4318 or a path means OTLP/HTTP; anything else is probed. */
export function inferProtocol(url: URL): OtlpProtocol | undefined {
  if (url.port === '4317') return 'grpc';
  if (url.port === '4318') return 'http/protobuf';
  return url.pathname.replace(/\/+$/, '') !== '' ? 'http/protobuf' : undefined;
}

/** Resolves the endpoint of one signal. Throws an Error naming the key on bad input. */
export function resolveEndpoint(settings: TelemetrySettings, configDir: string, signal: Signal = 'traces'): Endpoint {
  const own = settings.otlpSignals?.[signal] ?? {};
  const upper = signal.toUpperCase();
  const sources = settings.sources ?? { url: 'plugins.telemetry.config.url', protocol: 'plugins.telemetry.config.protocol', insecure: 'plugins.telemetry.config.insecure' };
  const keys: EndpointKeys = {
    url: own.url !== undefined ? `OTEL_EXPORTER_OTLP_${upper}_ENDPOINT` : sources.url,
    protocol: own.protocol !== undefined ? `OTEL_EXPORTER_OTLP_${upper}_PROTOCOL` : sources.protocol,
    insecure: own.insecure !== undefined ? `OTEL_EXPORTER_OTLP_${upper}_INSECURE` : sources.insecure,
  };
  const raw = own.url ?? settings.url;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(
      `opentelemetry telemetry: ${keys.url} ${JSON.stringify(raw)} is not a URL; ` +
        'use e.g. http://localhost:4317 (gRPC) or http://localhost:4318 (HTTP/protobuf)',
    );
  }
  if (!['http:', 'https:', 'grpc:', 'grpcs:'].includes(url.protocol)) {
    throw new Error(`opentelemetry telemetry: ${keys.url} must start with http:// or https://, got ${url.protocol}//`);
  }
  const protocol = own.protocol ?? settings.protocol ?? inferProtocol(url);
  // `insecure: false` asks for TLS even on an http:// URL; an https:// URL is TLS whatever `insecure` says.
  const insecure = own.insecure ?? settings.insecure;
  const secure = !insecure || url.protocol === 'https:' || url.protocol === 'grpcs:';
  const port = url.port ? Number(url.port) : secure ? 443 : protocol === 'grpc' || protocol === undefined ? 4317 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const scheme = secure ? 'https' : 'http';
  const hostPort = `${url.hostname}:${port}`;
  const display = `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;

  const tlsPaths = { ...settings.tls, ...Object.fromEntries(Object.entries(own.tls ?? {}).filter(([, v]) => v !== undefined)) };
  const tlsFiles = {
    ca: readTlsFile('ca', tlsPaths.ca, configDir),
    cert: readTlsFile('cert', tlsPaths.cert, configDir),
    key: readTlsFile('key', tlsPaths.key, configDir),
  };
  if (Boolean(tlsFiles.cert) !== Boolean(tlsFiles.key)) {
    throw new Error(
      'opentelemetry telemetry: mTLS needs both plugins.telemetry.config.cert and plugins.telemetry.config.key ' +
        `(only ${tlsFiles.cert ? 'cert' : 'key'} is set)`,
    );
  }
  if (!secure && (tlsFiles.ca || tlsFiles.cert)) {
    throw new Error(
      `opentelemetry telemetry: ca/cert/key are set but the connection is insecure; set ${keys.insecure} to false ` +
        '(or use an https:// url) to use TLS',
    );
  }
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  if (tlsFiles.ca) tls.ca = tlsFiles.ca;
  if (tlsFiles.cert) tls.cert = tlsFiles.cert;
  if (tlsFiles.key) tls.key = tlsFiles.key;

  // The file's url and OTEL_EXPORTER_OTLP_ENDPOINT are base URLs (a /v1/<signal> suffix is
  // dropped); a per-signal endpoint is the exact URL of its signal (OTLP specification).
  const basePath = url.pathname.replace(/\/+$/, '').replace(SIGNAL_SUFFIX, '');
  const origin = url.port ? `${scheme}://${hostPort}` : `${scheme}://${url.hostname}`;
  const exact = own.url !== undefined ? `${scheme}://${url.host}${url.pathname}${url.search}` : undefined;
  return {
    signal,
    protocol,
    secure,
    host,
    port,
    display,
    signalUrl: (which = signal) => (exact && which === signal ? exact : `${origin}${basePath}/v1/${which}`),
    grpcUrl: `${scheme}://${hostPort}`,
    headers: { ...settings.headers, ...(own.headers ?? {}) },
    compression: own.compression ?? settings.compression,
    timeoutMs: own.timeoutMs ?? settings.exportTimeoutMs,
    tls,
    keys,
  };
}
