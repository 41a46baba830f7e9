import { context as contextApi, type TimeInput } from '@opentelemetry/api';
import { activeTraceIds } from './context';
import type { LogFields, LogRecord, OtelLogger, OtelLoggerOptions, OtelLogRecord, ProviderInstance, TelemetryLogger } from './contract';
import { parseLogLevel, type LogLevel } from './levels';
import type { BindingSource } from './proxies';

/** The gateway level of an API record: from its severity number (the OTel ranges), else its text, else INFO. */
export function levelOfSeverity(severityNumber: number | undefined, severityText?: string): LogLevel {
  if (typeof severityNumber === 'number' && severityNumber >= 1) {
    if (severityNumber >= 21) return 'CRITICAL';
    if (severityNumber >= 17) return 'ERROR';
    if (severityNumber >= 13) return 'WARNING';
    if (severityNumber >= 9) return 'INFO';
    return 'DEBUG';
  }
  if (typeof severityText === 'string') {
    const text = severityText.trim().slice(0, 16);
    if (text.toLowerCase() === 'trace') return 'DEBUG';
    const level = parseLogLevel(text);
    if (level) return level;
  }
  return 'INFO';
}

/**
 * Milliseconds since the epoch of an API `TimeInput`, read as the SDK reads it (`timeInputToHrTime`
 * of `@opentelemetry/core`): `HrTime` `[seconds, nanoseconds]`, a `Date`, or a number of ms that is a
 * `performance.now()` value when it is below the time origin. Now, when absent or unreadable.
 */
function millisOf(input: TimeInput | undefined): number {
  let ms = Number.NaN;
  if (typeof input === 'number') ms = input < performance.timeOrigin ? performance.timeOrigin + input : input;
  else if (input instanceof Date) ms = input.getTime();
  else if (Array.isArray(input)) ms = input[0] * 1000 + input[1] / 1e6;
  return Number.isFinite(ms) ? ms : Date.now();
}

/**
 * Core's `LogRecord` for an API log record: a string body is the event (else the event name),
 * attributes become fields (copied as own properties: a `__proto__` key stays a key), a
 * non-string body, the event name next to a string body and the exception are kept as fields.
 * Trace ids come from the record's context, else the active one.
 */
export function toLogRecord(record: OtelLogRecord, logger: string): LogRecord {
  const { body, eventName } = record;
  const fields: LogFields = { ...record.attributes };
  let event: string;
  if (typeof body === 'string') {
    event = body;
    if (eventName) fields['event.name'] = eventName;
  } else {
    event = eventName ?? '';
    if (body !== undefined && body !== null) fields.body = body;
  }
  if (record.exception !== undefined) fields.exception = record.exception;
  const ids = activeTraceIds(record.context ?? contextApi.active());
  return {
    time: millisOf(record.timestamp ?? record.observedTimestamp),
    level: levelOfSeverity(record.severityNumber, record.severityText),
    event,
    logger,
    context: {},
    fields,
    traceId: ids.traceId,
    spanId: ids.spanId,
  };
}

/** Writes API records to a provider without an OTel logger: through `emit`, or its `logger(name)`. */
class RecordWriter implements OtelLogger {
  constructor(
    private readonly instance: ProviderInstance,
    private readonly logger: TelemetryLogger,
  ) {}

  emit(record: OtelLogRecord): void {
    if (!this.logger.isLevelEnabled(levelOfSeverity(record.severityNumber, record.severityText))) return;
    const converted = toLogRecord(record, this.logger.name);
    if (this.instance.emit) {
      this.instance.emit(converted);
      return;
    }
    const write = () => this.logger.log(converted.level, converted.event, converted.fields);
    if (record.context) contextApi.with(record.context, write);
    else write();
  }

  enabled(options?: { severityNumber?: number }): boolean {
    // Without a severity: could any record pass? (the highest level is the lowest bar)
    return this.logger.isLevelEnabled(options?.severityNumber === undefined ? 'CRITICAL' : levelOfSeverity(options.severityNumber));
  }
}

/**
 * The logger `logs.getLogger()` hands out: forwards to the bound provider's OTel logger (or to
 * its `LogRecord` pipeline) and re-binds whenever the provider changes; drops records while no
 * provider is bound (as the no-op tracer and meter do). A provider's failure never reaches the caller.
 */
export class LateBindingOtelLogger implements OtelLogger {
  private generation = -1;
  private delegate: OtelLogger | undefined;

  constructor(
    private readonly source: BindingSource,
    readonly name: string,
    private readonly version?: string,
    private readonly options?: OtelLoggerOptions,
  ) {}

  private current(): OtelLogger | undefined {
    if (this.generation !== this.source.generation) {
      this.generation = this.source.generation;
      const instance = this.source.bound;
      try {
        if (!instance) this.delegate = undefined;
        else if (typeof instance.otelLogger === 'function') this.delegate = instance.otelLogger(this.name, this.version, this.options);
        else this.delegate = new RecordWriter(instance, instance.logger(this.name));
      } catch {
        this.delegate = undefined;
      }
    }
    return this.delegate;
  }

  emit(record: OtelLogRecord): void {
    const delegate = this.current();
    if (!delegate || !record || typeof record !== 'object') return;
    try {
      delegate.emit(record);
    } catch {
      // a failing provider must not break the caller
    }
  }

  enabled(options?: { context?: OtelLogRecord['context']; severityNumber?: number; eventName?: string }): boolean {
    const delegate = this.current();
    if (!delegate) return false;
    try {
      return typeof delegate.enabled === 'function' ? delegate.enabled(options) : true;
    } catch {
      return false;
    }
  }
}
