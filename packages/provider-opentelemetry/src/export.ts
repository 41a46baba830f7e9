// Sending batches: retries for gRPC (the OTel gRPC transport does not retry UNAVAILABLE /
// RESOURCE_EXHAUSTED itself, unlike the HTTP one), a hard deadline per export, and a
// counting batch queue that never drops silently.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

export interface BatchExporter<T> {
  export(items: T[], resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}

const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/** Cancels pending retry waits when the provider shuts down. */
export class RetryGate {
  private closed = false;
  private readonly waiters = new Set<() => void>();

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves true after `ms`, or false at once when the gate closes. The timer never keeps the process alive. */
  wait(ms: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.waiters.delete(cancel);
        resolve(value);
      };
      const cancel = (): void => done(false);
      const timer = setTimeout(() => done(true), ms);
      timer.unref?.();
      this.waiters.add(cancel);
    });
  }

  close(): void {
    this.closed = true;
    for (const cancel of [...this.waiters]) cancel();
  }
}

function once<T>(exporter: BatchExporter<T>, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => {
    try {
      exporter.export(items, resolve);
    } catch (error) {
      resolve({ code: ExportResultCode.FAILED, error: error as Error });
    }
  });
}

function retryableGrpc(result: ExportResult): boolean {
  const code = (result.error as { code?: unknown } | undefined)?.code;
  return code === GRPC_UNAVAILABLE || code === GRPC_RESOURCE_EXHAUSTED;
}

/**
 * Exports `items`, retrying gRPC UNAVAILABLE/RESOURCE_EXHAUSTED with jittered exponential
 * backoff while time is left. Resolves by `timeoutMs` at the latest (a hung export counts as failed).
 */
export function exportBatch<T>(
  exporter: BatchExporter<T>,
  items: T[],
  options: { timeoutMs: number; retryGrpc: boolean; gate: RetryGate },
): Promise<ExportResult> {
  const deadline = Date.now() + options.timeoutMs;
  const attempt = async (): Promise<ExportResult> => {
    let backoff = INITIAL_BACKOFF_MS;
    for (;;) {
      const result = await once(exporter, items);
      if (result.code === ExportResultCode.SUCCESS || !options.retryGrpc || !retryableGrpc(result)) return result;
      const wait = Math.min(backoff, MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4);
      backoff *= 1.5;
      if (Date.now() + wait >= deadline) return result;
      if (!(await options.gate.wait(wait))) return result;
    }
  };
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => resolve({ code: ExportResultCode.FAILED, error: new Error(`export did not complete within ${options.timeoutMs} ms`) }),
      options.timeoutMs,
    );
    timer.unref?.();
    attempt().then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ code: ExportResultCode.FAILED, error: error as Error });
      },
    );
  });
}

export interface BatchQueueOptions<T> {
  /** Sends one batch; resolves with the result, never rejects, within its own deadline. */
  send(items: T[]): Promise<ExportResult>;
  maxQueueSize: number;
  maxBatchSize: number;
  /** Longest time an item waits before its batch is sent. */
  scheduledDelayMs: number;
  /**
   * Called on dropped items: queue full, given up at the shutdown deadline, or added after
   * shutdown (`closed`). The caller counts them and warns, rate-limited.
   */
  onDrop(reason: 'queue_full' | 'shutdown' | 'closed', count: number): void;
  onExportResult(items: number, result: ExportResult): void;
}

/**
 * A bounded queue exporting in batches, one export in flight at a time. Unlike the SDK's batch
 * processors it reports every item: exported, failed (export error) or dropped (queue full,
 * shutdown), so nothing disappears uncounted.
 */
export class BatchQueue<T> {
  private queue: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** A full batch waits for this (setImmediate): serialising it never runs on the caller's stack. */
  private immediate: NodeJS.Immediate | undefined;
  private inFlight: Promise<void> | undefined;
  private current: { abandoned: boolean; size: number } | undefined;
  private closed = false;
  private closing = false;
  /** Items ever queued / ever settled (exported, failed or given up on). */
  private enqueued = 0;
  private settled = 0;

  constructor(private readonly options: BatchQueueOptions<T>) {}

  get size(): number {
    return this.queue.length;
  }

  add(item: T): void {
    if (this.closed) {
      this.options.onDrop('closed', 1);
      return;
    }
    if (this.queue.length >= this.options.maxQueueSize) {
      this.options.onDrop('queue_full', 1);
      return;
    }
    this.queue.push(item);
    this.enqueued += 1;
    if (this.queue.length >= this.options.maxBatchSize) this.kickSoon();
    else if (!this.timer) this.schedule();
  }

  /** Exports once the caller's work is done: the request path only queues, export runs later. */
  private kickSoon(): void {
    if (this.immediate || this.inFlight) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.kick();
    });
    this.immediate.unref?.();
  }

  private schedule(): void {
    if (this.timer || this.inFlight || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.kick();
    }, this.options.scheduledDelayMs);
    this.timer.unref?.();
  }

  /** Starts an export of one batch unless one is in flight. */
  private kick(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    if (this.inFlight || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    const token = { abandoned: false, size: batch.length };
    this.current = token;
    this.inFlight = this.options
      .send(batch)
      .then((result) => {
        // Counted as dropped already when shutdown gave up on it.
        if (!token.abandoned) this.options.onExportResult(batch.length, result);
      })
      .catch(() => undefined)
      .finally(() => {
        if (!token.abandoned) this.settled += batch.length;
        if (this.current === token) this.current = undefined;
        this.inFlight = undefined;
        if (this.queue.length >= this.options.maxBatchSize || (this.closing && this.queue.length > 0)) this.kick();
        else this.schedule();
      });
  }

  /** Exports everything queued when called (and what is in flight). Each export has its own deadline, so this ends. */
  async flush(): Promise<void> {
    // FIFO: the items queued now are settled once `settled` reaches today's `enqueued`.
    const target = this.enqueued;
    while (this.settled < target) {
      if (!this.inFlight) {
        if (this.queue.length === 0) break;
        this.kick();
      }
      await this.inFlight;
    }
  }

  /** Stops accepting items; what is still queued when `drop()` is called is counted as dropped. */
  close(): void {
    this.closed = true;
    this.closing = true;
  }

  /**
   * Gives up (shutdown deadline passed): everything still queued, and the batch in flight, is
   * counted as dropped now, so the counts are final when shutdown returns.
   */
  drop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    let count = this.queue.length;
    this.queue = [];
    if (this.current && !this.current.abandoned) {
      this.current.abandoned = true;
      count += this.current.size;
    }
    this.settled += count;
    if (count > 0) this.options.onDrop('shutdown', count);
  }
}
