// The structured logger: JSON lines to a mirror (stderr, a file, or nowhere) and OTLP log records.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { context as contextApi, isSpanContextValid, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import type { AnyValue, AnyValueMap } from '@opentelemetry/api-logs';
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

const RESERVED = new Set(['time', 'level', 'logger', 'event', 'trace_id', 'span_id']);

/** Where JSON lines go. */
export interface LineSink {
  write(line: string): void;
  /** Hands what is queued to the destination now. */
  flush(): void;
  /** Flushes; later lines are written unbatched (stderr) or not at all (a file). */
  close(): void;
  readonly description: string;
  /** Lines not written: the stream's buffer was over its cap (nobody reads stderr) or a write failed. */
  readonly dropped: number;
}

/**
 * Past this many bytes buffered in the stderr stream, mirror lines are dropped (and counted) until
 * it drains: on POSIX, Node buffers writes to a full pipe without bound, so a client that pipes
 * stderr and never reads it would otherwise grow the host's memory forever.
 */
export const MIRROR_MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LineSinkOptions {
  /** Called once, on the first dropped line, with why (the caller reports it). */
  onFirstDrop?(reason: string): void;
  /** The stream behind `stderr` (default process.stderr). */
  stderr?: NodeJS.WritableStream & { readonly writableLength: number };
  /** Cap of bytes buffered in that stream (default MIRROR_MAX_BUFFERED_BYTES). */
  maxBufferedBytes?: number;
}

/** Mirror lines are gathered and written with one `write` once this many UTF-16 units are queued. */
const FLUSH_AT = 16 * 1024;

// One 'exit' listener for all stderr sinks (one per instance would trip MaxListenersExceededWarning):
// what is still queued is written synchronously, since no immediate runs after 'exit'.
const exitFlushers = new Set<() => void>();
let exiting = false;
function flushAllAtExit(): void {
  exiting = true;
  for (const flush of exitFlushers) flush();
}

function stderrSink(options: LineSinkOptions): LineSink {
  const stream = options.stderr ?? process.stderr;
  const cap = options.maxBufferedBytes ?? MIRROR_MAX_BUFFERED_BYTES;
  let dropped = 0;
  let paused = false;
  let closed = false;
  // Lines not yet handed to the stream: written on the next turn of the event loop (an unref'd
  // immediate, so it never keeps the process alive), when large, on flush/close, and at exit.
  let pending = '';
  let scheduled = false;
  const resume = (): void => {
    paused = false;
  };
  const drop = (): void => {
    dropped += 1;
    if (dropped === 1) options.onFirstDrop?.(`stderr is not being read: over ${cap} bytes are waiting in its buffer`);
  };
  const flush = (): void => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    try {
      stream.write(chunk);
    } catch {
      // a closed stderr must not crash the host
    }
  };
  const flushSoon = (): void => {
    scheduled = false;
    flush();
  };
  const flushAtExit = (): void => {
    if (pending === '') return;
    const chunk = pending;
    pending = '';
    try {
      // fd 2 directly: a stream write may be asynchronous, and nothing asynchronous runs after 'exit'.
      if (stream === process.stderr) writeSync(2, chunk);
      else stream.write(chunk);
    } catch {
      // a closed stderr must not crash the host
    }
  };
  if (exitFlushers.size === 0) process.on('exit', flushAllAtExit);
  exitFlushers.add(flushAtExit);
  return {
    write: (line) => {
      try {
        if (paused) {
          // 'drain' ends the pause; an empty buffer too, should that event have been missed.
          if (stream.writableLength > 0) return drop();
          paused = false;
          stream.removeListener('drain', resume);
        }
        // The queued chunk counts against the cap too: it is about to join the stream's buffer.
        if (stream.writableLength + pending.length >= cap) {
          paused = true;
          stream.once('drain', resume);
          return drop();
        }
        pending += line;
        if (closed || exiting || pending.length >= FLUSH_AT) flush();
        else if (!scheduled) {
          scheduled = true;
          setImmediate(flushSoon).unref();
        }
      } catch {
        // a closed stderr must not crash the host
      }
    },
    flush,
    close: () => {
      flush();
      closed = true;
      exitFlushers.delete(flushAtExit);
      if (exitFlushers.size === 0) process.removeListener('exit', flushAllAtExit);
      stream.removeListener('drain', resume);
    },
    description: 'stderr',
    get dropped() {
      return dropped;
    },
  };
}

/** `stderr`, `none`, or a file path (appended; relative to `baseDir`). Never stdout. */
export function createLineSink(spec: string, baseDir: string, options: LineSinkOptions = {}): LineSink {
  const lower = spec.toLowerCase();
  if (lower === 'none' || lower === 'off' || lower === 'false') {
    return { write: () => {}, flush: () => {}, close: () => {}, description: 'none', dropped: 0 };
  }
  if (lower === 'stderr') return stderrSink(options);
  if (lower === 'stdout' || lower === '/dev/stdout' || lower === '-') {
    throw new Error(
      'opentelemetry telemetry: plugins.telemetry.config.log_mirror cannot be stdout (it may carry the MCP protocol); ' +
        'use "stderr", "none" or a file path',
    );
  }
  const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  let fd: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'a');
  } catch (error) {
    throw new Error(
      `opentelemetry telemetry: cannot open the log mirror file ${path} (plugins.telemetry.config.log_mirror): ` +
        `${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  let dropped = 0;
  return {
    // Synchronous appends: a line is on disk when the call returns, also on a crash right after.
    // Nothing is buffered in memory, so no cap is needed here.
    write: (line) => {
      if (fd === undefined) return;
      try {
        writeSync(fd, line);
      } catch (error) {
        // disk full or closed: logging must not throw into the host
        dropped += 1;
        if (dropped === 1) {
          options.onFirstDrop?.(`cannot write to ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
        }
      }
    },
    flush: () => {},
    close: () => {
      if (fd === undefined) return;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
      fd = undefined;
    },
    description: path,
    get dropped() {
      return dropped;
    },
  };
}

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
function toAnyValue(value: unknown, depth = 0): AnyValue {
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

/** A log record waiting in the export queue: only a snapshot; redaction and OTLP conversion happen at export. */
export interface PendingLog {
  /** Epoch ms. */
  readonly time: number;
  readonly level: LogLevel;
  readonly event: string;
  /** Logger name: the instrumentation scope. */
  readonly scope: string;
  /** The logger's bindings, already redacted and converted (once per logger). */
  readonly context: AnyValueMap;
  /** The call's fields: primitives as given (immutable), objects already redacted and converted (a snapshot). */
  readonly fields: Record<string, unknown>;
  readonly spanContext: SpanContext | undefined;
}

export interface LogPipeline {
  sink: LineSink;
  /** False with log_mirror none: no JSON line is built at all. */
  mirror: boolean;
  threshold: LogLevel;
  /** Queues a record for OTLP export; undefined without OTLP export. */
  enqueue: ((record: PendingLog) => void) | undefined;
}

function contextOf(record: LogRecord): SpanContext | undefined {
  if (!record.traceId || !record.spanId) return undefined;
  const spanContext = { traceId: record.traceId, spanId: record.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
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
 * The request-path part of a record's fields: own keys copied; object values redacted and converted
 * now (the caller may mutate them later), primitives kept as they are (checked at export).
 */
function snapshotFields(fields: LogFields | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!fields) return out;
  for (const key in fields) {
    if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
    const value = fields[key];
    if (value === undefined || RESERVED.has(key)) continue;
    out[key] = typeof value === 'object' && value !== null ? toAnyValue(redactSecrets(value)) : value;
  }
  return out;
}

/** The SDK's default LogRecordLimits.attributeCountLimit. */
const ATTRIBUTE_COUNT_LIMIT = 128;

/** What the OTLP serializers read from a ReadableLogRecord. */
interface ExportableLogRecord {
  readonly hrTime: [number, number];
  readonly hrTimeObserved: [number, number];
  readonly spanContext?: SpanContext;
  readonly severityText?: string;
  readonly severityNumber?: number;
  readonly body?: AnyValue;
  readonly eventName?: string;
  readonly resource: unknown;
  readonly instrumentationScope: { readonly name: string; readonly version?: string; readonly schemaUrl?: string };
  readonly attributes: AnyValueMap;
  readonly droppedAttributesCount: number;
}

/**
 * Turns queued records into what the OTLP serializers read (off the request path, in the export
 * step): secret-keyed fields become REDACTED, `Bearer …` strings are masked, values become AnyValues.
 */
export function toExportable<R>(
  records: readonly PendingLog[],
  resource: unknown,
  scopeOf: (name: string) => ExportableLogRecord['instrumentationScope'],
): R[] {
  const out: ExportableLogRecord[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const record = records[i]!;
    const attributes: AnyValueMap = {};
    let count = 0;
    let dropped = 0;
    for (const key in record.context) {
      attributes[key] = record.context[key];
      count += 1;
    }
    const fields = record.fields;
    for (const key in fields) {
      const value = fields[key];
      const isNew = !Object.prototype.hasOwnProperty.call(attributes, key);
      if (isNew && count >= ATTRIBUTE_COUNT_LIMIT) {
        dropped += 1;
        continue;
      }
      attributes[key] = isSecretKey(key)
        ? REDACTED
        : typeof value === 'string'
          ? (redactSecrets(value) as string)
          : typeof value === 'object'
            ? (value as AnyValue) // converted (and redacted) when queued
            : toAnyValue(value);
      if (isNew) count += 1;
    }
    const ms = record.time;
    const hrTime: [number, number] = [Math.floor(ms / 1000), Math.round((ms % 1000) * 1e6)];
    out[i] = {
      hrTime,
      hrTimeObserved: hrTime,
      spanContext: record.spanContext,
      severityText: record.level,
      severityNumber: LOG_LEVEL_SEVERITY[record.level],
      body: record.event,
      eventName: undefined,
      resource,
      instrumentationScope: scopeOf(record.scope),
      attributes,
      droppedAttributesCount: dropped,
    };
  }
  return out as unknown as R[];
}

/**
 * Writes a record: JSON line to the mirror, OTLP log record to the export queue. Never throws.
 * `safeContext` is the record's context already redacted (loggers redact their bindings once);
 * `safeAttrs` the same as OTLP attributes.
 */
export function writeRecord(
  pipeline: LogPipeline,
  record: LogRecord,
  spanContext?: SpanContext,
  safeContext?: LogFields,
  safeAttrs?: AnyValueMap,
): void {
  if (LOG_LEVEL_SEVERITY[record.level] < LOG_LEVEL_SEVERITY[pipeline.threshold]) return;
  try {
    // Secrets never leave the process, in either form.
    if (pipeline.mirror) {
      const context = safeContext ?? (redactSecrets(record.context) as LogFields);
      const fields = redactSecrets(record.fields) as LogFields;
      pipeline.sink.write(jsonLine(toJsonObject(record, context, fields)));
    }
    const enqueue = pipeline.enqueue;
    if (!enqueue) return;
    enqueue({
      time: record.time,
      level: record.level,
      event: record.event,
      scope: record.logger,
      context: safeAttrs ?? safeAttributes(record.context),
      fields: snapshotFields(record.fields),
      spanContext: spanContext ?? contextOf(record),
    });
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
  // The span context validated last (a span's context object is reused for all its records):
  // the hex checks of isSpanContextValid then run once per span, not once per record.
  let lastValid: SpanContext | undefined;
  const log = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (LOG_LEVEL_SEVERITY[level] < min) return;
    let spanContext = trace.getSpanContext(contextApi.active());
    if (spanContext !== undefined && spanContext !== lastValid) {
      if (isSpanContextValid(spanContext)) lastValid = spanContext;
      else spanContext = undefined;
    }
    const time = Date.now();
    if (!pipeline.mirror) {
      // OTLP only: straight to the queue as a snapshot, no intermediate record.
      const enqueue = pipeline.enqueue;
      if (!enqueue) return;
      try {
        enqueue({ time, level, event, scope: name, context: safeAttrs, fields: snapshotFields(fields), spanContext });
      } catch {
        // logging never throws into the host
      }
      return;
    }
    writeRecord(
      pipeline,
      {
        time,
        level,
        event,
        logger: name,
        context,
        fields: fields ?? EMPTY,
        traceId: spanContext?.traceId,
        spanId: spanContext?.spanId,
      },
      spanContext,
      safeContext,
      safeAttrs,
    );
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
