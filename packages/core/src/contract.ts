import type { Context, Meter, MeterOptions, TimeInput, Tracer, TracerOptions } from '@opentelemetry/api';
import type { LogLevel } from './levels';
import type { StandardSchemaV1 } from './standard-schema';
import type { TelemetrySettings } from './settings';

/** Structured fields of a log record. Values are serialised by the provider. */
export type LogFields = Record<string, unknown>;

/**
 * One structured log record, as core hands it to a provider and as the in-memory
 * provider records it. Providers serialise it; the JSON line form is
 * `{ time, level, logger, event, ...context, ...fields, trace_id, span_id }`.
 */
export interface LogRecord {
  /** Milliseconds since the epoch, when the record was written (not when it was exported). */
  readonly time: number;
  readonly level: LogLevel;
  readonly event: string;
  /** The logger's name, e.g. `gateway.auth`. */
  readonly logger: string;
  /** Bindings from `child()` calls, outermost first. */
  readonly context: LogFields;
  readonly fields: LogFields;
  /** Hex ids of the span active when the record was written, if any. */
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
}

/** The gateway's structured logger. Every provider hands these out; so does the lazy `getLogger`. */
export interface TelemetryLogger {
  readonly name: string;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  critical(event: string, fields?: LogFields): void;
  log(level: LogLevel, event: string, fields?: LogFields): void;
  /** A logger whose records carry `bindings` as context (merged over the parent's). */
  child(bindings: LogFields): TelemetryLogger;
  /** Lets a caller skip building expensive fields for a level that is filtered out. */
  isLevelEnabled(level: LogLevel): boolean;
}

/**
 * A log record of the OpenTelemetry Logs API: the `LogRecord` of `@opentelemetry/api-logs`,
 * declared here field for field so that core's types need no install of that optional package.
 * What `logs.getLogger(...).emit(record)` receives.
 */
export interface OtelLogRecord {
  eventName?: string;
  /** `TimeInput` of the API: `HrTime`, a `Date`, or milliseconds. */
  timestamp?: TimeInput;
  observedTimestamp?: TimeInput;
  /** 1-24 (`SeverityNumber` of the API): 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL. */
  severityNumber?: number;
  severityText?: string;
  body?: unknown;
  attributes?: Record<string, unknown>;
  exception?: unknown;
  context?: Context;
}

/** A logger of the OpenTelemetry Logs API (the `Logger` of `@opentelemetry/api-logs`; an SDK logger fits). */
export interface OtelLogger {
  emit(record: OtelLogRecord): void;
  enabled?(options?: { context?: Context; severityNumber?: number; eventName?: string }): boolean;
}

/** The `LoggerOptions` of `@opentelemetry/api-logs`. */
export interface OtelLoggerOptions {
  schemaUrl?: string;
  attributes?: Record<string, unknown>;
}

/** Result of a provider's reachability check of its backend. */
export interface ConnectivityResult {
  readonly ok: boolean;
  /** One sentence: what was tried and what happened, e.g. `TCP connect to 127.0.0.1:4317 refused`. */
  readonly detail: string;
  /** What the user can do about it, when not ok. */
  readonly hint?: string;
}

/** Diagnostics of the telemetry system itself: always stderr, never the user's log pipeline. */
export interface TelemetryDiagnostics {
  debug(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** What core tells a provider when it creates it. */
export interface ProviderContext {
  /** The normalised, validated common settings (env overrides applied). */
  readonly settings: TelemetrySettings;
  /**
   * True when the host's stdout is a protocol channel (MCP over stdio): the provider
   * must not write a byte to stdout.
   */
  readonly stdoutReserved: boolean;
  /** The folder of the config file, for resolving relative paths (TLS files); cwd when none. */
  readonly configDir: string;
  /** The environment core read (`OTEL_*` etc.). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the provider reports its own trouble (export failures, drops): stderr, rate-limited by core. */
  readonly diagnostics: TelemetryDiagnostics;
  /** The host's own version, for `service.version`, when it told core. */
  readonly serviceVersion?: string | undefined;
}

/** A running provider: what `create` returns. */
export interface ProviderInstance {
  logger(name: string): TelemetryLogger;
  /**
   * An OTel API tracer; providers without tracing return the API's no-op tracer. While the
   * provider is bound, `trace.getTracer()` of `@opentelemetry/api` hands out (late-binding
   * proxies of) these: a provider must not register a global tracer provider itself.
   */
  tracer(name: string, version?: string, options?: TracerOptions): Tracer;
  /** An OTel API meter; providers without metrics return the API's no-op meter. `metrics.getMeter()` hands these out, as `trace` does tracers. */
  meter(name: string, version?: string, options?: MeterOptions): Meter;
  /**
   * The provider's own OpenTelemetry Logs API logger (e.g. from its SDK `LoggerProvider`): what
   * `logs.getLogger()` of `@opentelemetry/api-logs` hands out while the provider is bound, so
   * records from log bridges and instrumentations keep their severity, body and attributes.
   * Absent: core turns each API record into a `LogRecord` and writes it through `emit` (or
   * `logger(name)`), filtered by the logger's level.
   */
  otelLogger?(name: string, version?: string, options?: OtelLoggerOptions): OtelLogger;
  /**
   * Checks the backend is reachable within `timeoutMs`. Absent means always reachable.
   * Core runs it before binding the provider and, while it fails, in the background.
   */
  checkConnectivity?(timeoutMs: number): Promise<ConnectivityResult>;
  /**
   * Writes a fully formed record as is (time and trace ids preserved). Core uses it to
   * replay records buffered before init; absent means core replays through `logger()`.
   */
  emit?(record: LogRecord): void;
  /** Counters of what the provider dropped or failed to export, for self-monitoring. */
  stats?(): ProviderStats;
  /** Exports everything buffered. Idempotent; resolves (never hangs) — core adds a deadline too. */
  forceFlush(): Promise<void>;
  /** Flushes and releases everything (timers, sockets, files). Idempotent. */
  shutdown(): Promise<void>;
}

export interface ProviderStats {
  readonly droppedSpans?: number;
  readonly droppedLogRecords?: number;
  readonly failedExports?: number;
  readonly [key: string]: number | undefined;
}

export interface ProviderMeta {
  /** The provider's short name, e.g. `opentelemetry`. */
  readonly name: string;
  /** The provider package's version. */
  readonly version: string;
  /** The range of core versions the provider works with, e.g. `^0.1.0`. */
  readonly core: string;
  readonly description?: string;
}

/** A provider package's default export. Make it with `defineProvider`. */
export interface TelemetryProvider<TConfig = unknown> {
  readonly kind: typeof PROVIDER_KIND;
  readonly meta: ProviderMeta;
  /** Validates `plugins.telemetry.config` (the whole object, common keys included: be lenient with unknown keys). */
  readonly configSchema?: StandardSchemaV1<unknown, TConfig> | undefined;
  create(config: TConfig, context: ProviderContext): ProviderInstance | Promise<ProviderInstance>;
}

export interface ProviderDefinition<TConfig> {
  readonly meta: ProviderMeta;
  readonly configSchema?: StandardSchemaV1<unknown, TConfig> | undefined;
  create(config: TConfig, context: ProviderContext): ProviderInstance | Promise<ProviderInstance>;
}

/** Marks provider objects so a loader can tell one from any other default export, across copies of core. */
export const PROVIDER_KIND = 'secure-mcp-gateway.telemetry-provider/v1' as const;

/** Makes a provider. A provider package's default export is the result. */
export function defineProvider<TConfig = Record<string, unknown>>(
  definition: ProviderDefinition<TConfig>,
): TelemetryProvider<TConfig> {
  const { meta } = definition;
  for (const key of ['name', 'version', 'core'] as const) {
    if (typeof meta?.[key] !== 'string' || meta[key].length === 0) {
      throw new TypeError(`defineProvider: meta.${key} must be a non-empty string`);
    }
  }
  if (typeof definition.create !== 'function') {
    throw new TypeError(`defineProvider(${meta.name}): create must be a function`);
  }
  return Object.freeze({
    kind: PROVIDER_KIND,
    meta: Object.freeze({ ...meta }),
    configSchema: definition.configSchema,
    create: definition.create,
  });
}

/** True for objects made by `defineProvider` (from any copy of core). */
export function isTelemetryProvider(value: unknown): value is TelemetryProvider {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<TelemetryProvider>;
  return (
    candidate.kind === PROVIDER_KIND &&
    typeof candidate.create === 'function' &&
    typeof candidate.meta?.name === 'string' &&
    typeof candidate.meta?.version === 'string' &&
    typeof candidate.meta?.core === 'string'
  );
}
