/**
 * What every connection of one instrumented server or client shares: its role, the resolved
 * configuration (telemetry, propagator, capture, policies) and the known tool/prompt names.
 */
import type { Context, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { ContentCapture } from './capture.js';
import type { TargetNames } from './names.js';
import type { Telemetry } from './telemetry.js';

export type Role = 'server' | 'client';

/** The two calls of a TextMapPropagator / the `propagation` API this package uses. */
export interface Propagator {
  inject(context: Context, carrier: Record<string, unknown>, setter: TextMapSetter<Record<string, unknown>>): void;
  extract(context: Context, carrier: Record<string, unknown>, getter: TextMapGetter<Record<string, unknown>>): Context;
}

export interface SharedConfig {
  readonly telemetry: Telemetry;
  readonly propagator: Propagator;
  readonly capture: ContentCapture;
  readonly reuseExecuteToolSpan: boolean;
  readonly resourceUriInSpanName: boolean;
  readonly resourceUriOnMetrics: boolean;
  readonly extraMethods: ReadonlySet<string> | undefined;
  readonly ignoredMethods: ReadonlySet<string> | undefined;
}

/** `network.*` of a connection (detected from the transport, or given in the options). */
export interface NetworkInfo {
  transport: string | undefined;
  protocolName: string | undefined;
  protocolVersion: string | undefined;
}

export interface Endpoint {
  readonly role: Role;
  readonly shared: SharedConfig;
  readonly names: TargetNames;
  /** Client side: `server.address` / `server.port` of the server. */
  readonly serverAddress: string | undefined;
  readonly serverPort: number | undefined;
  /** Overrides transport detection (`pipe`, `tcp`, …). */
  readonly networkTransport: string | undefined;
}

/** `server.address` / `server.port` of a server URL (brackets of an IPv6 literal removed). */
export function addressOfUrl(url: string | URL): { address: string; port: number } | undefined {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return undefined;
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  if (host.length === 0) return undefined;
  const port = parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : parsed.protocol === 'http:' ? 80 : undefined;
  return port === undefined ? undefined : { address: host, port };
}
