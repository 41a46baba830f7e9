// Deferred emission into the SDK's logger: the request path keeps only a snapshot (logger.ts);
// on the next turn of the event loop each record goes through the SDK's public Logger.emit(),
// where the SDK builds its own log record and hands it to the processor. Why deferred: the SDK
// record (attribute validation and limits, hrtime conversion, processor call) costs about a
// microsecond per record; two records per tool call on the request path would break the
// request-path target of bench tool-call ("OpenTelemetry provider (OTLP/HTTP) — hot path" ≤ 0.5x naive).
import type { Logger, LoggerProvider, LogRecord } from '@opentelemetry/api-logs';
import { redactAttributes, type LogSink } from './logger';
import type { DropReason } from './processor';

const MAX_CACHED_LOGGERS = 1000;

export class DeferredLogEmitter implements LogSink {
  // Two parallel arrays rather than one wrapper object per record: less garbage per log call.
  private loggers: Logger[] = [];
  private records: LogRecord[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly byScope = new Map<string, Logger>();

  constructor(
    private readonly provider: LoggerProvider,
    private readonly maxPending: number,
    private readonly onDrop: (reason: DropReason, count: number) => void,
  ) {}

  get size(): number {
    return this.records.length;
  }

  loggerOf(scope: string): Logger {
    let logger = this.byScope.get(scope);
    if (!logger) {
      logger = this.provider.getLogger(scope);
      if (this.byScope.size < MAX_CACHED_LOGGERS) this.byScope.set(scope, logger);
    }
    return logger;
  }

  add(logger: Logger, record: LogRecord): void {
    if (this.closed) return this.onDrop('closed', 1);
    if (this.records.length >= this.maxPending) return this.onDrop('queue_full', 1);
    this.loggers.push(logger);
    this.records.push(record);
    if (!this.scheduled) {
      this.scheduled = setImmediate(() => this.drain());
      this.scheduled.unref?.();
    }
  }

  /** Redacts and emits everything pending into the SDK loggers now. */
  drain(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const loggers = this.loggers;
    const records = this.records;
    this.loggers = [];
    this.records = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      try {
        if (record.attributes) redactAttributes(record.attributes);
        loggers[i]!.emit(record);
      } catch {
        // one bad record must not lose the others
      }
    }
  }

  /** Emits what is pending; later records are dropped (counted as `closed`). */
  close(): void {
    this.drain();
    this.closed = true;
  }
}
