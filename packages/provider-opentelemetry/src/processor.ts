// Batching processors of our own, implementing the SDK's public SpanProcessor and
// LogRecordProcessor over its exporters. Why not the SDK's BatchSpanProcessor /
// BatchLogRecordProcessor: they drop silently when the queue is full (a diag line, no count:
// bench span-burst "naive … silent 97440"), keep one export in flight (gRPC then delivers 45% in
// bench tool-call "otel-grpc delivered"), and export on the caller's stack once a batch is full.
// Here every item is counted (exported, failed or dropped), up to MAX_EXPORTS_IN_FLIGHT exports
// run at once, and a full batch is exported on the next turn of the event loop.
import { TraceFlags } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Exporter } from './exporter';

/** Several batches in flight keep a slow link busy (bench tool-call, span-burst: otel-grpc rows). */
export const MAX_EXPORTS_IN_FLIGHT = 4;

export type DropReason = 'queue_full' | 'shutdown' | 'closed';

export interface ExportQueueOptions {
  readonly maxQueueSize: number;
  readonly maxBatchSize: number;
  /** Longest time an item waits before its batch is sent. */
  readonly scheduledDelayMs: number;
  /** Deadline of one export: a hung export counts as failed then. */
  readonly exportTimeoutMs: number;
  readonly maxInFlight?: number;
  /** The caller counts dropped items and warns (rate-limited). */
  onDrop(reason: DropReason, count: number): void;
  onExportResult(items: number, result: ExportResult): void;
}

interface Batch {
  readonly size: number;
  abandoned: boolean;
  readonly done: Promise<void>;
}

/** Resolves with the exporter's result, or FAILED after `ms`; never rejects. */
function exportWithin<T>(exporter: Exporter<T[]>, items: T[], ms: number): Promise<ExportResult> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: ExportResultCode.FAILED, error: new Error(`export did not complete within ${ms} ms`) }), ms);
    timer.unref?.();
    const finish = (result: ExportResult): void => {
      clearTimeout(timer);
      resolve(result);
    };
    try {
      exporter.export(items, finish);
    } catch (error) {
      finish({ code: ExportResultCode.FAILED, error: error as Error });
    }
  });
}

/** A bounded queue exporting in batches, a few at a time, accounting for every item. */
export class ExportQueue<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private readonly inFlight = new Set<Batch>();
  private readonly maxInFlight: number;
  private closed = false;
  private draining = false;
  /** Items ever queued / ever settled (exported, failed or given up on): flush() waits on these. */
  private enqueued = 0;
  private settled = 0;

  constructor(
    private readonly exporter: Exporter<T[]>,
    private readonly options: ExportQueueOptions,
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? MAX_EXPORTS_IN_FLIGHT);
  }

  get size(): number {
    return this.queue.length;
  }

  add(item: T): void {
    if (this.closed) return this.options.onDrop('closed', 1);
    if (this.queue.length >= this.options.maxQueueSize) return this.options.onDrop('queue_full', 1);
    this.queue.push(item);
    this.enqueued += 1;
    if (this.queue.length >= this.options.maxBatchSize) this.kickSoon();
    else if (!this.timer) this.schedule();
  }

  /** A full batch is exported once the caller's work is done, never on its stack. */
  private kickSoon(): void {
    if (this.immediate || this.inFlight.size >= this.maxInFlight) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.kick(false);
    });
    this.immediate.unref?.();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick(true);
    }, this.options.scheduledDelayMs);
    this.timer.unref?.();
  }

  /** Starts batches while slots are free: full ones always, a partial one when `partial`. */
  private kick(partial: boolean): void {
    while (this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      if (!partial && !this.draining && this.queue.length < this.options.maxBatchSize) break;
      this.start(this.queue.splice(0, this.options.maxBatchSize));
    }
    if (this.queue.length > 0) this.schedule();
    else if (this.timer) {
      // Everything is on its way: no partial batch is due.
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private start(items: T[]): void {
    const batch: Batch = {
      size: items.length,
      abandoned: false,
      done: exportWithin(this.exporter, items, this.options.exportTimeoutMs).then((result) => {
        this.inFlight.delete(batch);
        // Counted as dropped already when shutdown gave up on it.
        if (batch.abandoned) return;
        this.settled += items.length;
        try {
          this.options.onExportResult(items.length, result);
        } catch {
          // accounting must not stop the queue
        }
        this.kick(this.draining);
      }),
    };
    this.inFlight.add(batch);
  }

  /** Exports everything queued when called. Each export has its own deadline, so this ends. */
  async flush(): Promise<void> {
    const target = this.enqueued;
    while (this.settled < target) {
      this.draining = true;
      this.kick(true);
      if (this.inFlight.size === 0) break;
      await Promise.race([...this.inFlight].map((b) => b.done));
    }
    this.draining = this.closed;
  }

  /** Stops accepting items; what is still queued when `drop()` is called is counted as dropped. */
  close(): void {
    this.closed = true;
    this.draining = true;
  }

  /** Gives up (shutdown deadline passed): everything queued or in flight is counted as dropped now. */
  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    let count = this.queue.length;
    this.queue = [];
    for (const batch of this.inFlight) {
      if (batch.abandoned) continue;
      batch.abandoned = true;
      count += batch.size;
    }
    this.inFlight.clear();
    this.settled += count;
    if (count > 0) this.options.onDrop('shutdown', count);
  }
}

/** Resolves when `promise` settles or after `ms`, whichever is first; never rejects. */
export function within(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    timer.unref?.();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

/** Shared shutdown: stop taking items, export what is queued within the deadline, count the rest. */
async function shutdownQueue<T>(queue: ExportQueue<T>, exporter: Exporter<T[]>, deadlineMs: number): Promise<void> {
  queue.close();
  await within(queue.flush(), deadlineMs);
  queue.drop();
  await within(exporter.shutdown().catch(() => undefined), 1000);
}

/** Sampled spans into the queue at `onEnd`. */
export class CountingSpanProcessor implements SpanProcessor {
  constructor(
    readonly queue: ExportQueue<ReadableSpan>,
    private readonly exporter: Exporter<ReadableSpan[]>,
    private readonly shutdownTimeoutMs: number,
  ) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0) this.queue.add(span);
  }

  forceFlush(): Promise<void> {
    return this.queue.flush();
  }

  shutdown(): Promise<void> {
    return shutdownQueue(this.queue, this.exporter, this.shutdownTimeoutMs);
  }
}

/** Log records into the queue at `onEmit`. */
export class CountingLogRecordProcessor implements LogRecordProcessor {
  constructor(
    readonly queue: ExportQueue<ReadableLogRecord>,
    private readonly exporter: Exporter<ReadableLogRecord[]>,
    private readonly shutdownTimeoutMs: number,
  ) {}

  onEmit(record: SdkLogRecord): void {
    this.queue.add(record);
  }

  forceFlush(): Promise<void> {
    return this.queue.flush();
  }

  shutdown(): Promise<void> {
    return shutdownQueue(this.queue, this.exporter, this.shutdownTimeoutMs);
  }
}
