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
}

/**
 * An exporter that retries gRPC UNAVAILABLE / RESOURCE_EXHAUSTED with jittered exponential
 * backoff while time is left, and replaces the SDK exporter it wraps when the channel cannot connect.
 */
export class RetryingGrpcExporter<T> extends ExporterDecorator<T> {
  private inner: Exporter<T>;

  constructor(
    private readonly create: () => Exporter<T>,
    private readonly options: RetryOptions,
  ) {
    super();
    this.inner = create();
  }

  protected target(): Exporter<T> {
    return this.inner;
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
    if (this.closed || failed !== this.inner) return;
    this.inner = this.create();
    // Its exports in flight finish first (the SDK exporter's shutdown waits for them).
    void failed.shutdown().catch(() => undefined);
  }

  export(items: T, resultCallback: (result: ExportResult) => void): void {
    const deadline = Date.now() + this.options.deadlineMs;
    void (async () => {
      let backoff = INITIAL_BACKOFF_MS;
      for (;;) {
        const exporter = this.inner;
        const result = await this.once(exporter, items);
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
