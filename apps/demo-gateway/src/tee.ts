import type {
  BatchObservableCallback,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MetricOptions,
  Observable,
  ObservableCallback,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';

function teeObservable<T extends ObservableGauge | ObservableCounter | ObservableUpDownCounter>(a: T, b: T): T {
  return {
    addCallback(callback: ObservableCallback) {
      a.addCallback(callback);
      b.addCallback(callback);
    },
    removeCallback(callback: ObservableCallback) {
      a.removeCallback(callback);
      b.removeCallback(callback);
    },
  } as T;
}

/**
 * A Meter that records every measurement on two meters. The demo uses it to read the
 * real values the gateway records (through an in-memory reader) while the chosen
 * provider exports them as usual (the stdout provider has no metrics at all).
 */
export function teeMeter(a: Meter, b: Meter): Meter {
  return {
    createCounter(name: string, options?: MetricOptions): Counter {
      const x = a.createCounter(name, options);
      const y = b.createCounter(name, options);
      return { add: (value, attributes, ctx) => (x.add(value, attributes, ctx), y.add(value, attributes, ctx)) };
    },
    createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
      const x = a.createUpDownCounter(name, options);
      const y = b.createUpDownCounter(name, options);
      return { add: (value, attributes, ctx) => (x.add(value, attributes, ctx), y.add(value, attributes, ctx)) };
    },
    createHistogram(name: string, options?: MetricOptions): Histogram {
      const x = a.createHistogram(name, options);
      const y = b.createHistogram(name, options);
      return { record: (value, attributes, ctx) => (x.record(value, attributes, ctx), y.record(value, attributes, ctx)) };
    },
    createGauge(name: string, options?: MetricOptions): Gauge {
      const x = a.createGauge(name, options);
      const y = b.createGauge(name, options);
      return { record: (value, attributes, ctx) => (x.record(value, attributes, ctx), y.record(value, attributes, ctx)) };
    },
    createObservableGauge: (name, options) => teeObservable(a.createObservableGauge(name, options), b.createObservableGauge(name, options)),
    createObservableCounter: (name, options) => teeObservable(a.createObservableCounter(name, options), b.createObservableCounter(name, options)),
    createObservableUpDownCounter: (name, options) =>
      teeObservable(a.createObservableUpDownCounter(name, options), b.createObservableUpDownCounter(name, options)),
    addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]) {
      a.addBatchObservableCallback(callback, observables);
      b.addBatchObservableCallback(callback, observables);
    },
    removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]) {
      a.removeBatchObservableCallback(callback, observables);
      b.removeBatchObservableCallback(callback, observables);
    },
  } as Meter;
}
