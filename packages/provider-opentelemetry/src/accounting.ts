// What happened to every item: exported, failed, or dropped (and why). Feeds stats(), the
// rate-limited warnings and the self-metric enkrypt_telemetry_dropped_total. Nothing is lost silently.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { TelemetryDiagnostics } from '@secure-mcp-gateway/telemetry-core';
import type { Signal } from './endpoint';
import type { DropReason } from './processor';

const DROP_WARNING_INTERVAL_MS = 60_000;
const FAILURE_WARNING_INTERVAL_MS = 30_000;

export interface ExportCounts {
  droppedSpans: number;
  droppedLogRecords: number;
  failedExports: number;
  failedSpans: number;
  failedLogRecords: number;
  failedMetricExports: number;
  exportedSpans: number;
  exportedLogRecords: number;
  exportedMetricBatches: number;
}

export interface AccountingOptions {
  readonly diagnostics: TelemetryDiagnostics;
  /** The endpoint as shown in messages. */
  readonly display: string;
  readonly maxQueueSize: (signal: 'traces' | 'logs') => number;
  /** Extra fields of a failure warning (endpoint, protocol, deadline). */
  readonly failureFields: (signal: Signal) => Record<string, unknown>;
  /** Finds out why exports fail (a probe): its detail and hint join the warning. */
  readonly explainFailure?: (signal: Signal) => Promise<{ ok: boolean; detail: string; hint?: string } | undefined>;
}

function errorText(error: unknown): string {
  if (!error) return 'unknown error';
  const message = (error as Error).message ?? String(error);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

export class Accounting {
  readonly counts: ExportCounts = {
    droppedSpans: 0,
    droppedLogRecords: 0,
    failedExports: 0,
    failedSpans: 0,
    failedLogRecords: 0,
    failedMetricExports: 0,
    exportedSpans: 0,
    exportedLogRecords: 0,
    exportedMetricBatches: 0,
  };
  /** `signal|reason` -> items, for the self-metric. Constant keys: drops come in bursts, one call per item. */
  readonly lost = new Map<string, number>();
  private readonly lastWarning = new Map<string, number>();
  private readonly failing = new Set<Signal>();

  constructor(private readonly options: AccountingOptions) {}

  /** True at most once per key per interval (the caller then warns); repeats are only counted. */
  private claim(key: string, intervalMs: number): boolean {
    const now = Date.now();
    const last = this.lastWarning.get(key);
    if (last !== undefined && now - last < intervalMs) return false;
    this.lastWarning.set(key, now);
    return true;
  }

  private addLost(signal: string, reason: string, count: number): void {
    const key = `${signal}|${reason}`;
    this.lost.set(key, (this.lost.get(key) ?? 0) + count);
  }

  dropped(signal: 'traces' | 'logs', cause: DropReason, count: number): void {
    if (signal === 'traces') this.counts.droppedSpans += count;
    else this.counts.droppedLogRecords += count;
    const reason = cause === 'closed' ? 'shutdown' : cause;
    this.addLost(signal, reason, count);
    const what = signal === 'traces' ? 'spans' : 'log records';
    const { diagnostics, display } = this.options;
    if (reason === 'queue_full') {
      if (!this.claim(`drop:${signal}`, DROP_WARNING_INTERVAL_MS)) return;
      diagnostics.warn(`telemetry export queue full: dropping ${what} (counted)`, {
        signal,
        dropped_total: signal === 'traces' ? this.counts.droppedSpans : this.counts.droppedLogRecords,
        max_queue_size: this.options.maxQueueSize(signal),
        endpoint: display,
        hint: 'the collector is slow or unreachable; raise max_queue_size or lower the volume',
      });
    } else if (cause === 'shutdown' && this.claim(`shutdown:${signal}`, DROP_WARNING_INTERVAL_MS)) {
      // Recorded after shutdown ('closed') is only counted: the host is going away on purpose.
      diagnostics.warn(`telemetry shut down before sending every item: ${what} dropped (counted)`, {
        signal,
        dropped: this.lost.get(`${signal}|shutdown`),
        endpoint: display,
      });
    }
  }

  exported(signal: Signal, items: number, result: ExportResult): void {
    const counts = this.counts;
    if (result.code === ExportResultCode.SUCCESS) {
      if (signal === 'traces') counts.exportedSpans += items;
      else if (signal === 'logs') counts.exportedLogRecords += items;
      else counts.exportedMetricBatches += 1;
      if (this.failing.delete(signal)) this.options.diagnostics.debug('OTLP export recovered', { signal, endpoint: this.options.display });
      return;
    }
    counts.failedExports += 1;
    if (signal === 'traces') counts.failedSpans += items;
    else if (signal === 'logs') counts.failedLogRecords += items;
    else counts.failedMetricExports += 1;
    if (signal !== 'metrics') this.addLost(signal, 'export_failed', items);
    this.failing.add(signal);
    if (!this.claim(`fail:${signal}`, FAILURE_WARNING_INTERVAL_MS)) return;
    const fields: Record<string, unknown> = {
      signal,
      ...this.options.failureFields(signal),
      items,
      failed_exports_total: counts.failedExports,
      error: errorText(result.error),
    };
    // A failed export often says little ("deadline exceeded" on gRPC); a probe of the endpoint
    // names the cause (refused, TLS certificate, wrong protocol) and the fix.
    const explain = this.options.explainFailure?.(signal) ?? Promise.resolve(undefined);
    void explain
      .then((probe) => (probe && !probe.ok ? { ...fields, cause: probe.detail, hint: probe.hint } : fields))
      .catch(() => fields)
      .then((withCause) => this.options.diagnostics.warn('OTLP export failed; the data is counted as lost', withCause));
  }

  /** Mirror lines not written also count as lost telemetry. */
  observe(observe: (value: number, attributes: { signal: string; reason: string }) => void, mirrorDropped: number): void {
    for (const [key, value] of this.lost) {
      const [signal = '', reason = ''] = key.split('|');
      observe(value, { signal, reason });
    }
    if (mirrorDropped > 0) observe(mirrorDropped, { signal: 'log_mirror', reason: 'not_written' });
  }
}
