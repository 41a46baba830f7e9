// The connectivity check proves the protocol: it sends a real, empty OTLP export through the
// SDK's own exporter for the configured protocol (what the pipeline will use). When that fails it
// finds out what answered instead (nothing, a TLS problem, the other OTLP protocol, TLS where
// plain was configured, or another path) and names the key to change. With no protocol given
// and no port that implies one, both protocols are tried and the one that answers is used.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { OtlpProtocol } from '@secure-mcp-gateway/telemetry-core';
import type { Endpoint } from './endpoint';
import { createSdkExporter, type ExporterOptions } from './exporters';
import { checkTransport, plainHint, speaksTls } from './transport-check';

export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
  readonly hint?: string;
  /** The protocol that answered (the configured one, or the one found when none was). */
  readonly protocol?: OtlpProtocol;
}

const LABELS: Record<OtlpProtocol, string> = { grpc: 'OTLP/gRPC', 'http/protobuf': 'OTLP/HTTP', 'http/json': 'OTLP/HTTP (JSON)' };
const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;
const BUSY_HTTP = new Set([429, 502, 503, 504]);

export function protocolLabel(protocol: OtlpProtocol | undefined): string {
  return protocol ? LABELS[protocol] : 'OTLP';
}

/** One empty export of the endpoint's signal, through a throw-away SDK exporter with the probe's deadline. */
function emptyExport(endpoint: Endpoint, protocol: OtlpProtocol, timeoutMs: number, options: ExporterOptions): Promise<ExportResult> {
  const exporter = createSdkExporter(endpoint.signal, protocol, endpoint, { ...options, timeoutMs, keepAlive: false });
  const empty = endpoint.signal === 'metrics' ? { resource: { attributes: {} }, scopeMetrics: [] } : [];
  return new Promise<ExportResult>((resolve) => {
    const timer = setTimeout(() => resolve({ code: ExportResultCode.FAILED, error: new Error(`no answer within ${timeoutMs} ms`) }), timeoutMs + 250);
    timer.unref?.();
    const done = (result: ExportResult): void => {
      clearTimeout(timer);
      resolve(result);
    };
    try {
      exporter.export(empty as never, done);
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }).finally(() => void exporter.shutdown().catch(() => undefined));
}

function statusOf(result: ExportResult): number | undefined {
  const code = (result.error as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The server answered in OTLP, only busy (HTTP 429/50x, gRPC RESOURCE_EXHAUSTED or a server's UNAVAILABLE). */
function answeredBusy(protocol: OtlpProtocol, result: ExportResult): boolean {
  const status = statusOf(result);
  if (protocol !== 'grpc') return status !== undefined && BUSY_HTTP.has(status);
  if (status === GRPC_RESOURCE_EXHAUSTED) return true;
  return status === GRPC_UNAVAILABLE && !/No connection established|Connection dropped|Protocol error/i.test(result.error?.message ?? '');
}

function shortError(result: ExportResult): string {
  const message = result.error?.message ?? 'unknown error';
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}

async function tryProtocol(endpoint: Endpoint, protocol: OtlpProtocol, timeoutMs: number, options: ExporterOptions): Promise<ProbeResult> {
  const result = await emptyExport(endpoint, protocol, timeoutMs, options);
  const where = protocol === 'grpc' ? endpoint.grpcUrl.replace(/^https?:\/\//, '') : `POST ${endpoint.signalUrl()}`;
  if (result.code === ExportResultCode.SUCCESS) return { ok: true, protocol, detail: `${LABELS[protocol]} empty export to ${where} answered OK` };
  if (answeredBusy(protocol, result)) return { ok: true, protocol, detail: `${LABELS[protocol]} collector at ${where} answered but is busy (${shortError(result)})` };
  return { ok: false, protocol, detail: `${LABELS[protocol]} empty export to ${where} failed: ${shortError(result)}` };
}

/** What answers there instead of `protocol`? */
async function diagnose(endpoint: Endpoint, protocol: OtlpProtocol | undefined, failed: ProbeResult, timeoutMs: number, options: ExporterOptions): Promise<ProbeResult> {
  const label = protocolLabel(protocol);
  const transport = await checkTransport(endpoint, timeoutMs, label);
  if (!transport.ok) {
    // Nothing (or no TLS peer) answers: the plain "unreachable" case, or a TLS problem. An https
    // URL to a plain collector: say what answers without TLS.
    if (endpoint.secure && /wrong version number|packet length too long|http request/i.test(transport.detail)) {
      const plain = { ...endpoint, secure: false, grpcUrl: endpoint.grpcUrl.replace(/^https:/, 'http:'), signalUrl: (s?: Endpoint['signal']) => endpoint.signalUrl(s).replace(/^https:/, 'http:') };
      const found = await firstAnswer(plain, protocol, timeoutMs, options);
      if (found) {
        return { ok: false, detail: `${transport.detail}; ${found.detail} without TLS`, hint: `Set ${endpoint.keys.insecure} to true and use an http:// URL in ${endpoint.keys.url}.` };
      }
    }
    return transport;
  }
  if (/no answer within|timed out|deadline exceeded/i.test(failed.detail)) {
    // The connection was taken and nothing came back: a stalled collector, not a wrong protocol.
    return {
      ok: false,
      detail: `${failed.detail}: the server at ${endpoint.host}:${endpoint.port} accepts connections but does not answer`,
      hint: 'The collector is overloaded or stuck; check its health, or raise export_timeout_ms / OTEL_EXPORTER_OTLP_TIMEOUT if it is only slow.',
    };
  }
  const others = (['grpc', 'http/protobuf', 'http/json'] as const).filter((p) => p !== protocol);
  const [other, tlsThere] = await Promise.all([
    protocol === undefined ? undefined : firstAnswer(endpoint, undefined, timeoutMs, options, others),
    endpoint.secure ? false : speaksTls(endpoint.host, endpoint.port, timeoutMs),
  ]);
  if (other?.protocol) {
    return {
      ok: false,
      detail: `${failed.detail}; ${other.detail}: the collector there speaks ${LABELS[other.protocol]}, not ${label}`,
      hint: `Set ${endpoint.keys.protocol} to "${other.protocol}".`,
    };
  }
  if (tlsThere) {
    return {
      ok: false,
      detail: `${failed.detail}; the server at ${endpoint.host}:${endpoint.port} speaks TLS`,
      hint: `Set ${endpoint.keys.insecure} to false (or use an https:// URL in ${endpoint.keys.url}), and plugins.telemetry.config.ca to its CA if it is private.`,
    };
  }
  if (protocol !== 'grpc' && / 404\b|Not Found/i.test(failed.detail)) {
    const root = `${endpoint.secure ? 'https' : 'http'}://${endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host}:${endpoint.port}`;
    const atRoot = { ...endpoint, signalUrl: (s?: Endpoint['signal']) => `${root}/v1/${s ?? endpoint.signal}` };
    const found = root + `/v1/${endpoint.signal}` !== endpoint.signalUrl() ? await tryProtocol(atRoot, protocol ?? 'http/protobuf', timeoutMs, options) : undefined;
    return {
      ok: false,
      detail: `${failed.detail}: the path is wrong${found?.ok ? `; ${found.detail}` : ''}`,
      hint: found?.ok ? `Set ${endpoint.keys.url} to ${root}.` : `Set ${endpoint.keys.url} to the collector's OTLP/HTTP base URL (POST <url>/v1/${endpoint.signal} must reach it).`,
    };
  }
  return { ok: false, detail: failed.detail, hint: protocol === undefined ? `Set ${endpoint.keys.protocol} to the protocol the collector speaks.` : plainHint(endpoint.keys) };
}

/** The first protocol (of `candidates`, in order of preference) whose empty export is answered. */
async function firstAnswer(
  endpoint: Endpoint,
  protocol: OtlpProtocol | undefined,
  timeoutMs: number,
  options: ExporterOptions,
  candidates: readonly OtlpProtocol[] = protocol ? [protocol] : ['http/protobuf', 'grpc'],
): Promise<ProbeResult | undefined> {
  const results = await Promise.all(candidates.map((p) => tryProtocol(endpoint, p, timeoutMs, options)));
  return results.find((r) => r.ok);
}

/**
 * Probes one endpoint within about `timeoutMs`. A known protocol is proven by an empty export;
 * an unknown one is tried both ways (HTTP/protobuf preferred when both answer).
 */
export async function probeEndpoint(endpoint: Endpoint, timeoutMs: number, options: ExporterOptions): Promise<ProbeResult> {
  const protocol = endpoint.protocol;
  if (protocol) {
    const result = await tryProtocol(endpoint, protocol, timeoutMs, options);
    return result.ok ? result : diagnose(endpoint, protocol, result, timeoutMs, options);
  }
  const results = await Promise.all((['http/protobuf', 'grpc'] as const).map((p) => tryProtocol(endpoint, p, timeoutMs, options)));
  const found = results.find((r) => r.ok);
  if (found) {
    return {
      ...found,
      detail: `no protocol is configured and port ${endpoint.port} implies none, so both were tried: ${found.detail}; using ${found.protocol}`,
      hint: `Set ${endpoint.keys.protocol} to "${found.protocol}" to skip the probe.`,
    };
  }
  return diagnose(endpoint, undefined, { ok: false, detail: results.map((r) => r.detail).join('; ') }, timeoutMs, options);
}
