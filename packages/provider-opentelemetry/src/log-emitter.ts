// Deferred emission into the SDK's logger: the request path keeps only a snapshot (logger.ts);
// on the next turn of the event loop each record goes through the SDK's public Logger.emit(),
// where the SDK builds its own log record and hands it to the processor. Why deferred: the SDK
// record (attribute validation and limits, hrtime conversion, processor call) costs about a
// microsecond per record; two records per tool call on the request path would break the
// request-path target of bench tool-call ("OpenTelemetry provider (OTLP/HTTP) — hot path" ≤ 0.5x naive).
import type { Logger, LoggerProvider } from '@opentelemetry/api-logs';
import { LOG_LEVEL_SEVERITY } from '@secure-mcp-gateway/telemetry-core';
import { pendingAttributes, type PendingLog } from './logger';
import type { DropReason } from './processor';

const MAX_CACHED_LOGGERS = 1000;

export class DeferredLogEmitter {
  private pending: PendingLog[] = [];
  private scheduled: NodeJS.Immediate | undefined;
  private closed = false;
  private readonly loggers = new Map<string, Logger>();

  constructor(
    private readonly provider: LoggerProvider,
    private readonly maxPending: number,
    private readonly onDrop: (reason: DropReason, count: number) => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(record: PendingLog): void {
    if (this.closed) return this.onDrop('closed', 1);
    if (this.pending.length >= this.maxPending) return this.onDrop('queue_full', 1);
    this.pending.push(record);
    if (!this.scheduled) {
      this.scheduled = setImmediate(() => this.drain());
      this.scheduled.unref?.();
    }
  }

  private loggerOf(scope: string): Logger {
    let logger = this.loggers.get(scope);
    if (!logger) {
      logger = this.provider.getLogger(scope);
      if (this.loggers.size < MAX_CACHED_LOGGERS) this.loggers.set(scope, logger);
    }
    return logger;
  }

  /** Emits everything pending into the SDK logger now. */
  drain(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const records = this.pending;
    this.pending = [];
    for (const record of records) {
      try {
        this.loggerOf(record.scope).emit({
          timestamp: record.time,
          observedTimestamp: record.time,
          severityNumber: LOG_LEVEL_SEVERITY[record.level],
          severityText: record.level,
          body: record.event,
          attributes: pendingAttributes(record),
          context: record.otelContext,
        });
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
