import { activeTraceIds } from './context';
import type { LogFields, LogRecord, TelemetryLogger } from './contract';
import { LOG_LEVEL_SEVERITY, type LogLevel } from './levels';

export interface RecordLoggerOptions {
  readonly name: string;
  /** Bindings carried by every record (`child()` merges over them). */
  readonly context?: LogFields;
  /** Records below this level are dropped (a function is read on every call). */
  readonly threshold: LogLevel | (() => LogLevel);
  /** Receives each record that passes the threshold, with time and active trace ids filled in. */
  readonly write: (record: LogRecord) => void;
}

/**
 * A `TelemetryLogger` that turns calls into `LogRecord`s (time, level, logger name, bound
 * context, active trace ids) and hands them to `write`. Providers can build on it.
 */
export function createRecordLogger(options: RecordLoggerOptions): TelemetryLogger {
  const { name, write, threshold } = options;
  const context: LogFields = Object.freeze({ ...(options.context ?? {}) });
  const min = typeof threshold === 'function' ? () => LOG_LEVEL_SEVERITY[threshold()] : ((s) => () => s)(LOG_LEVEL_SEVERITY[threshold]);
  const log = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (LOG_LEVEL_SEVERITY[level] < min()) return;
    const ids = activeTraceIds();
    write({ time: Date.now(), level, event, logger: name, context, fields: fields ?? {}, traceId: ids.traceId, spanId: ids.spanId });
  };
  return {
    name,
    debug: (event, fields) => log('DEBUG', event, fields),
    info: (event, fields) => log('INFO', event, fields),
    warn: (event, fields) => log('WARNING', event, fields),
    error: (event, fields) => log('ERROR', event, fields),
    critical: (event, fields) => log('CRITICAL', event, fields),
    log,
    child: (bindings) => createRecordLogger({ ...options, context: { ...context, ...bindings } }),
    isLevelEnabled: (level) => LOG_LEVEL_SEVERITY[level] >= min(),
  };
}

// The record's own keys: fields and context must not forge them (a field `level` or `trace_id`
// would otherwise make an ERROR read as DEBUG, or tie a line to another trace).
const RESERVED_KEYS: ReadonlySet<string> = new Set(['time', 'level', 'logger', 'event', 'trace_id', 'span_id']);

/**
 * The JSON-line object of a record: `{ time (ISO), level, logger, event, ...context, ...fields,
 * trace_id, span_id }`. Fields and context cannot overwrite the record's own keys.
 */
export function formatLogRecord(record: LogRecord): Record<string, unknown> {
  const out: Record<string, unknown> = {
    time: new Date(record.time).toISOString(),
    level: record.level,
    logger: record.logger,
    event: record.event,
  };
  for (const source of [record.context, record.fields]) {
    for (const key in source) {
      if (RESERVED_KEYS.has(key)) continue;
      out[key] = source[key] instanceof Error ? errorFields(source[key] as Error) : source[key];
    }
  }
  if (record.traceId) out.trace_id = record.traceId;
  if (record.spanId) out.span_id = record.spanId;
  return out;
}

function errorFields(error: Error): Record<string, unknown> {
  return { type: error.name, message: error.message };
}

const noop = (): void => {};

/** A logger that drops everything. */
export function createNoopLogger(name: string): TelemetryLogger {
  const logger: TelemetryLogger = {
    name,
    debug: noop,
    info: noop,
    warn: noop,
    error: noop,
    critical: noop,
    log: noop,
    child: () => logger,
    isLevelEnabled: () => false,
  };
  return logger;
}
