// What every SDK exporter (SpanExporter, LogRecordExporter, PushMetricExporter) has, and the base
// of this package's decorators of them (retry.ts, protocol-choice.ts, readers.ts).
import type { ExportResult } from '@opentelemetry/core';
import type { AggregationOption, AggregationTemporality, InstrumentType } from '@opentelemetry/sdk-metrics';

export interface Exporter<T> {
  export(items: T, resultCallback: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
  selectAggregationTemporality?(instrumentType: InstrumentType): AggregationTemporality;
  selectAggregation?(instrumentType: InstrumentType): AggregationOption;
}

/** Forwards everything but `export` to the exporter it decorates (when it has one yet). */
export abstract class ExporterDecorator<T> implements Exporter<T> {
  protected closed = false;

  /** The decorated exporter, undefined while there is none yet. */
  protected abstract target(): Exporter<T> | undefined;

  abstract export(items: T, resultCallback: (result: ExportResult) => void): void;

  forceFlush(): Promise<void> {
    return this.target()?.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.closed = true;
    return this.target()?.shutdown() ?? Promise.resolve();
  }

  selectAggregationTemporality(instrumentType: InstrumentType): AggregationTemporality {
    return this.target()!.selectAggregationTemporality!(instrumentType);
  }

  selectAggregation(instrumentType: InstrumentType): AggregationOption {
    return this.target()!.selectAggregation!(instrumentType);
  }
}
