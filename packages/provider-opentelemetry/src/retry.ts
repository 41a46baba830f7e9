// Retries for the SDK's OTLP/gRPC exporters, as a decorator of their public interface
// (SpanExporter, LogRecordExporter, PushMetricExporter). In 0.223.0 the gRPC transport reports
// every error as a plain failure, so UNAVAILABLE and RESOURCE_EXHAUSTED are never retried
// (the HTTP transport already retries 429/502/503/504 with backoff: otlp-exporter-base
// retrying-transport.js, is-export-retryable.js). Test: resilience.test.ts "retries exports the
// receiver answers with 503/UNAVAILABLE and 429/RESOURCE_EXHAUSTED".
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { ExporterDecorator, type Exporter } from './exporter';

const GRPC_UNAVAILABLE = 14;
const GRPC_RESOURCE_EXHAUSTED = 8;
const INITIAL_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 5000;

/** Cancels pending retry waits when the provider shuts down. */
export class RetryGate {
  private closed = false;
  private readonly waiters = new Set<() => void>();

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

function grpcCode(result: ExportResult): unknown {
  return (result.error as { code?: unknown } | undefined)?.code;
}

/**
 * gRPC's channel backs off reconnecting up to 120 s after a long outage, and fails calls at once
 * meanwhile; the SDK exporter exposes no channel options, so a fresh exporter (a fresh channel,
 * which connects on its first call) is the public way to reconnect as soon as the collector is back.
 */
function isConnectionFailure(result: ExportResult): boolean {
  return grpcCode(result) === GRPC_UNAVAILABLE && /No connection established|Connection dropped|connect E/i.test(result.error?.message ?? '');
}

export interface RetryOptions {
  /** Total time for the export, retries included. */
  readonly deadlineMs: number;
  readonly gate: RetryGate;
  /**
   * SDK exporters (gRPC connections) to spread exports over. One HTTP/2 connection carries every
   * export of a channel within one flow-control window, so exports in flight queue behind each
   * other; several connections carry them side by side, as the HTTP exporter's sockets do (bench
   * tool-call "otel-grpc delivered" vs "otel delivered"). Default 1.
   */
  readonly connections?: number;
}

interface Slot<T> {
  exporter: Exporter<T>;
  busy: number;
}

/**
 * An exporter that retries gRPC UNAVAILABLE / RESOURCE_EXHAUSTED with jittered exponential
 * backoff while time is left, spreads exports over a few SDK exporters, and replaces one whose
 * channel cannot connect.
 */
export class RetryingGrpcExporter<T> extends ExporterDecorator<T> {
  private readonly slots: Slot<T>[];

  /** `create(i)` makes the SDK exporter of connection `i` (distinct options give distinct connections). */
  constructor(
    private readonly create: (index: number) => Exporter<T>,
    private readonly options: RetryOptions,
  ) {
    super();
    const count = Math.max(1, options.connections ?? 1);
    this.slots = Array.from({ length: count }, (_, i) => ({ exporter: create(i), busy: 0 }));
  }

  protected target(): Exporter<T> {
    return this.slots[0]!.exporter;
  }

  /** The least busy connection. */
  private pick(): Slot<T> {
    let best = this.slots[0]!;
    for (const slot of this.slots) if (slot.busy < best.busy) best = slot;
    return best;
  }

  override forceFlush(): Promise<void> {
    return Promise.all(this.slots.map((slot) => slot.exporter.forceFlush?.())).then(() => undefined);
  }

  override shutdown(): Promise<void> {
    this.closed = true;
    return Promise.all(this.slots.map((slot) => slot.exporter.shutdown())).then(() => undefined);
  }

  private once(exporter: Exporter<T>, items: T): Promise<ExportResult> {
    return new Promise((resolve) => {
      try {
        exporter.export(items, resolve);
      } catch (error) {
        resolve({ code: ExportResultCode.FAILED, error: error as Error });
      }
    });
  }

  /** A fresh exporter (a fresh channel, which connects on its next call) replaces one that could not connect. */
  private reconnect(failed: Exporter<T>): void {
    const index = this.slots.findIndex((slot) => slot.exporter === failed);
    if (this.closed || index < 0) return;
    this.slots[index]!.exporter = this.create(index);
    // Its exports in flight finish first (the SDK exporter's shutdown waits for them).
    void failed.shutdown().catch(() => undefined);
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    const deadline = Date.now() + this.options.deadlineMs;
    void (async () => {
      let backoff = INITIAL_BACKOFF_MS;
      for (;;) {
        const slot = this.pick();
        const exporter = slot.exporter;
        slot.busy += 1;
        const result = await this.once(exporter, items);
        slot.busy -= 1;
        const code = grpcCode(result);
        if (result.code === ExportResultCode.SUCCESS || (code !== GRPC_UNAVAILABLE && code !== GRPC_RESOURCE_EXHAUSTED)) return result;
        if (isConnectionFailure(result)) this.reconnect(exporter);
        const wait = Math.min(backoff, MAX_BACKOFF_MS) * (0.8 + Math.random() * 0.4);
        backoff *= 1.5;
        if (this.closed || Date.now() + wait >= deadline) return result;
        if (!(await this.options.gate.wait(wait))) return result;
      }
    })().then(resultCallback, (error: unknown) => resultCallback({ code: ExportResultCode.FAILED, error: error as Error }));
  }
}
