// Deferred emission into the SDK's logger: the request path keeps only a snapshot (logger.ts);
// once a batch is full (on the next turn of the event loop) or the batch delay has passed, the
// records go through the SDK's public Logger.emit(), where the SDK builds its own log records and
// hands them to the processor, which exports them right away. Why deferred: an SDK log record
// (attribute validation and limits, hrtime conversion, processor call) costs about a microsecond;
// two per tool call on the request path would break bench tool-call's request-path target
// ("OpenTelemetry provider (OTLP/HTTP) — hot path" ≤ 0.5x naive). Why batched here, not in the
// processor: SDK records made just before their export die young; held for the batch delay they
// outlive the young generation and cost old-generation GC (bench tool-call "amortised CPU incl. export").
import { ROOT_CONTEXT, trace, type Context, type SpanContext } from '@opentelemetry/api';
import type { Logger, LoggerProvider, LogRecord } from '@opentelemetry/api-logs';
import { redactAttributes, type LogSink } from './logger';
import type { DropReason } from './processor';

const MAX_CACHED_LOGGERS = 1000;

export class DeferredLogEmitter implements LogSink {
  // Two parallel arrays rather than one wrapper object per record: less garbage per log call.
  private loggers: Logger[] = [];
  private records: LogRecord[] = [];
  private spans: (SpanContext | undefined)[] = [];
  /** The context made last: the records of one span share it. */
  private lastSpan: SpanContext | undefined;
  private lastContext: Context = ROOT_CONTEXT;
  private scheduled: NodeJS.Immediate | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly byScope = new Map<string, Logger>();

  constructor(
    private readonly provider: LoggerProvider,
    private readonly options: {
      /** Records waiting (OTEL_BLRP_MAX_QUEUE_SIZE); more are dropped and counted. */
      readonly maxPending: number;
      /** A batch this large is emitted on the next turn of the event loop (OTEL_BLRP_MAX_EXPORT_BATCH_SIZE). */
      readonly maxBatch: number;
      /** Longest a record waits (OTEL_BLRP_SCHEDULE_DELAY). */
      readonly delayMs: number;
      onDrop(reason: DropReason, count: number): void;
    },
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

  add(logger: Logger, record: LogRecord, spanContext: SpanContext | undefined): void {
    if (this.closed) return this.options.onDrop('closed', 1);
    if (this.records.length >= this.options.maxPending) return this.options.onDrop('queue_full', 1);
    this.loggers.push(logger);
    this.records.push(record);
    this.spans.push(spanContext);
    if (this.records.length >= this.options.maxBatch) {
      if (!this.scheduled) {
        this.scheduled = setImmediate(() => this.drain());
        this.scheduled.unref?.();
      }
    } else if (!this.timer) {
      this.timer = setTimeout(() => this.drain(), this.options.delayMs);
      this.timer.unref?.();
    }
  }

  /** Redacts and emits everything pending into the SDK loggers now. */
  drain(): void {
    if (this.scheduled) clearImmediate(this.scheduled);
    if (this.timer) clearTimeout(this.timer);
    this.scheduled = undefined;
    this.timer = undefined;
    const loggers = this.loggers;
    const records = this.records;
    const spans = this.spans;
    this.loggers = [];
    this.records = [];
    this.spans = [];
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      try {
        if (record.attributes) redactAttributes(record.attributes);
        record.context = this.contextOf(spans[i]);
        loggers[i]!.emit(record);
      } catch {
        // one bad record must not lose the others
      }
    }
  }

  private contextOf(spanContext: SpanContext | undefined): Context {
    if (!spanContext) return ROOT_CONTEXT;
    if (spanContext !== this.lastSpan) {
      this.lastSpan = spanContext;
      this.lastContext = trace.setSpanContext(ROOT_CONTEXT, spanContext);
    }
    return this.lastContext;
  }

  /** Emits what is pending; later records are dropped (counted as `closed`). */
  close(): void {
    this.drain();
    this.closed = true;
  }
}
