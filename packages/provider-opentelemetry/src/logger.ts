// The project's structured logger (core's TelemetryLogger interface): a JSON line to the mirror
// and, for OTLP, an api-logs LogRecord (its attributes a snapshot) handed to the deferred emitter
// (log-emitter.ts), which redacts it and emits it through the SDK's public Logger.emit() off the
// request path.
import { context as contextApi, isSpanContextValid, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import type { AnyValue, AnyValueMap, Logger, LogRecord as OtelLogRecord } from '@opentelemetry/api-logs';
import {
  isSecretKey,
  LOG_LEVEL_SEVERITY,
  REDACTED,
  redactSecrets,
  type LogFields,
  type LogLevel,
  type LogRecord,
  type TelemetryLogger,
} from '@secure-mcp-gateway/telemetry-core';
import type { LineSink } from './mirror';

const RESERVED = new Set(['time', 'level', 'logger', 'event', 'trace_id', 'span_id']);

function plain(value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message };
  return value;
}

// Records logged in the same millisecond share one formatted timestamp (toISOString is costly per line).
let lastTime = Number.NaN;
let lastIso = '';
function isoTime(ms: number): string {
  if (ms !== lastTime) {
    lastIso = new Date(ms).toISOString();
    lastTime = ms;
  }
  return lastIso;
}

function copyFields(out: Record<string, unknown>, source: LogFields): void {
  for (const key of Object.keys(source)) {
    if (RESERVED.has(key)) continue;
    const value = plain(source[key]);
    if (value !== undefined) out[key] = value;
  }
}

/** The JSON-line object of a record (as core's spec: record keys first, fields cannot overwrite them). */
export function toJsonObject(record: LogRecord, context: LogFields, fields: LogFields): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: isoTime(record.time),
    level: record.level,
    logger: record.logger,
    event: record.event,
  };
  copyFields(out, context);
  copyFields(out, fields);
  if (record.traceId) out.trace_id = record.traceId;
  if (record.spanId) out.span_id = record.spanId;
  return out;
}

const bigintAsString = (_key: string, value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value);

function jsonLine(object: Record<string, unknown>): string {
  try {
    // Without a replacer first: far faster, and it throws only on a bigint (or a cycle).
    return `${JSON.stringify(object)}\n`;
  } catch {
    // a bigint, or a cycle: retried below
  }
  try {
    return `${JSON.stringify(object, bigintAsString)}\n`;
  } catch (error) {
    return `${JSON.stringify({
      time: object.time,
      level: object.level,
      logger: object.logger,
      event: object.event,
      serialization_error: (error as Error).message,
    })}\n`;
  }
}

/** An attribute value OTLP can carry (AnyValue); depth-limited, class instances as strings. */
export function toAnyValue(value: unknown, depth = 0): AnyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return value;
  if (value instanceof Error) return { type: value.name, message: value.message };
  if (depth >= 8) return '[Truncated]';
  if (Array.isArray(value)) return value.map((item) => toAnyValue(item, depth + 1));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return String(value);
    const out: AnyValueMap = {};
    for (const [key, item] of Object.entries(value)) out[key] = toAnyValue(item, depth + 1);
    return out;
  }
  return String(value);
}

/** The OTLP side of the pipeline: records are handed to the SDK logger of their scope, later (log-emitter.ts). */
export interface LogSink {
  loggerOf(scope: string): Logger;
  /**
   * Queues `record` for `logger.emit()` off the request path; its attributes are redacted there,
   * and its context is made from `spanContext` (a queued record does not keep its span alive).
   */
  add(logger: Logger, record: OtelLogRecord, spanContext: SpanContext | undefined): void;
}

export interface LogPipeline {
  sink: LineSink;
  /** False with log_mirror none: no JSON line is built at all. */
  mirror: boolean;
  threshold: LogLevel;
  /** Undefined without log export. */
  otlp: LogSink | undefined;
}

/** The span context of a record replayed with its ids (core's buffer of records written before init). */
function spanContextOf(record: LogRecord): SpanContext | undefined {
  if (!record.traceId || !record.spanId) return undefined;
  const spanContext: SpanContext = { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
  return isSpanContextValid(spanContext) ? spanContext : undefined;
}

/** Redacted, converted attributes of bindings (done once per logger, not per record). */
export function safeAttributes(context: LogFields): AnyValueMap {
  const out: AnyValueMap = {};
  for (const key of Object.keys(context)) {
    const value = context[key];
    if (RESERVED.has(key) || value === undefined) continue;
    out[key] = isSecretKey(key) ? REDACTED : toAnyValue(redactSecrets(value));
  }
  return out;
}

/**
 * The request-path part of a record's attributes: the logger's bindings (already safe) and the
 * call's own keys; object values redacted and converted now (the caller may mutate them later),
 * primitives kept as they are (redacted off the request path by `redactAttributes`).
 */
function snapshotAttributes(bindings: AnyValueMap, fields: LogFields | undefined): AnyValueMap {
  const out: AnyValueMap = {};
  for (const key in bindings) out[key] = bindings[key];
  if (!fields) return out;
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value = fields[key];
    if (value === undefined || RESERVED.has(key)) continue;
    out[key] = typeof value === 'object' && value !== null ? toAnyValue(redactSecrets(value)) : (value as AnyValue);
  }
  return out;
}

/** In place, off the request path: secret-keyed values become REDACTED, `Bearer …` strings are masked. */
export function redactAttributes(attributes: AnyValueMap): void {
  for (const key in attributes) {
    const value = attributes[key];
    if (isSecretKey(key)) attributes[key] = REDACTED;
    else if (typeof value === 'string') attributes[key] = redactSecrets(value);
    else if (typeof value === 'bigint' || typeof value === 'function' || typeof value === 'symbol') attributes[key] = toAnyValue(value);
  }
}

function otelRecord(time: number, level: LogLevel, event: string, attributes: AnyValueMap): OtelLogRecord {
  return { timestamp: time, observedTimestamp: time, severityNumber: LOG_LEVEL_SEVERITY[level], severityText: level, body: event, attributes };
}

/**
 * Writes a fully formed record (core's replay of records buffered before init): JSON line to the
 * mirror, OTLP log record with its time and trace ids kept. Never throws.
 */
export function writeRecord(pipeline: LogPipeline, record: LogRecord): void {
  if (LOG_LEVEL_SEVERITY[record.level] < LOG_LEVEL_SEVERITY[pipeline.threshold]) return;
  try {
    // Secrets never leave the process, in either form.
    if (pipeline.mirror) {
      const context = redactSecrets(record.context) as LogFields;
      const fields = redactSecrets(record.fields) as LogFields;
      pipeline.sink.write(jsonLine(toJsonObject(record, context, fields)));
    }
    const otlp = pipeline.otlp;
    if (otlp) {
      const attributes = snapshotAttributes(safeAttributes(record.context), record.fields);
      otlp.add(otlp.loggerOf(record.logger), otelRecord(record.time, record.level, record.event, attributes), spanContextOf(record));
    }
  } catch {
    // logging never throws into the host
  }
}

const EMPTY: LogFields = Object.freeze({});

/** A `TelemetryLogger` over the pipeline; records carry the active span's ids. */
export function createLogger(pipeline: LogPipeline, name: string, bindings: LogFields = {}): TelemetryLogger {
  const context: LogFields = Object.freeze({ ...bindings });
  const safeContext = redactSecrets(context) as LogFields;
  const safeAttrs = safeAttributes(context);
  const min = LOG_LEVEL_SEVERITY[pipeline.threshold];
  const otlp = pipeline.otlp;
  const sdkLogger = otlp?.loggerOf(name);
  // The span context validated last (a span's context object is reused for all its records):
  // the hex checks of isSpanContextValid then run once per span, not once per record.
  let lastValid: SpanContext | undefined;
  const log = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (LOG_LEVEL_SEVERITY[level] < min) return;
    try {
      let spanContext = trace.getSpanContext(contextApi.active());
      if (spanContext !== undefined && spanContext !== lastValid) {
        if (isSpanContextValid(spanContext)) lastValid = spanContext;
        else spanContext = undefined;
      }
      const time = Date.now();
      if (pipeline.mirror) {
        const record: LogRecord = { time, level, event, logger: name, context, fields: fields ?? EMPTY, traceId: spanContext?.traceId, spanId: spanContext?.spanId };
        pipeline.sink.write(jsonLine(toJsonObject(record, safeContext, redactSecrets(fields ?? EMPTY) as LogFields)));
      }
      if (otlp) otlp.add(sdkLogger!, otelRecord(time, level, event, snapshotAttributes(safeAttrs, fields)), spanContext);
    } catch {
      // logging never throws into the host
    }
  };
  return {
    name,
    debug: (event, fields) => log('DEBUG', event, fields),
    info: (event, fields) => log('INFO', event, fields),
    warn: (event, fields) => log('WARNING', event, fields),
    error: (event, fields) => log('ERROR', event, fields),
    critical: (event, fields) => log('CRITICAL', event, fields),
    log,
    child: (more) => createLogger(pipeline, name, { ...context, ...more }),
    isLevelEnabled: (level) => LOG_LEVEL_SEVERITY[level] >= min,
  };
}
