import {
  createNoopMeter,
  ProxyTracerProvider,
  type Attributes,
  type BatchObservableCallback,
  type BatchObservableResult,
  type Context,
  type Counter,
  type Gauge,
  type Histogram,
  type Meter,
  type MeterOptions,
  type MetricOptions,
  type Observable,
  type ObservableCallback,
  type ObservableCounter,
  type ObservableGauge,
  type ObservableUpDownCounter,
  type Span,
  type SpanOptions,
  type Tracer,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { ProviderInstance } from './contract';

/** What proxies bind to: the current provider instance and a counter that changes on every (re)bind. */
export interface BindingSource {
  readonly generation: number;
  readonly bound: ProviderInstance | undefined;
}

const noopTracerProvider = new ProxyTracerProvider();
const NOOP_METER = createNoopMeter();

/**
 * A tracer that forwards to the active provider's tracer, re-binding whenever the provider
 * changes (init, a backend that comes up later, shutdown); the API's no-op tracer meanwhile.
 */
export class LateBindingTracer implements Tracer {
  private generation = -1;
  private delegate: Tracer = noopTracerProvider.getTracer('noop');

  constructor(
    private readonly source: BindingSource,
    private readonly name: string,
    private readonly version?: string,
  ) {}

  private current(): Tracer {
    if (this.generation !== this.source.generation) {
      this.generation = this.source.generation;
      const instance = this.source.bound;
      let tracer: Tracer | undefined;
      try {
        tracer = instance?.tracer(this.name, this.version);
      } catch {
        tracer = undefined;
      }
      this.delegate = tracer ?? noopTracerProvider.getTracer(this.name, this.version);
    }
    return this.delegate;
  }

  startSpan(name: string, options?: SpanOptions, context?: Context): Span {
    return this.current().startSpan(name, options, context);
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, context: Context, fn: F): ReturnType<F>;
  startActiveSpan(name: string, a: unknown, b?: unknown, c?: unknown): unknown {
    // Fixed arity (no rest array / apply): this is on every request's path.
    const tracer = this.current() as unknown as {
      startActiveSpan(n: string, a: unknown, b?: unknown, c?: unknown): unknown;
    };
    if (arguments.length <= 2) return tracer.startActiveSpan(name, a);
    if (arguments.length === 3) return tracer.startActiveSpan(name, a, b);
    return tracer.startActiveSpan(name, a, b, c);
  }
}

type SyncKind = 'createCounter' | 'createUpDownCounter' | 'createHistogram' | 'createGauge';
type ObservableKind = 'createObservableCounter' | 'createObservableUpDownCounter' | 'createObservableGauge';

class LateSyncInstrument implements Counter, UpDownCounter, Histogram, Gauge {
  private generation = -1;
  private delegate: { add?(v: number, a?: Attributes, c?: Context): void; record?(v: number, a?: Attributes, c?: Context): void } = {};

  constructor(
    private readonly meter: LateBindingMeter,
    private readonly kind: SyncKind,
    private readonly name: string,
    private readonly options?: MetricOptions,
  ) {}

  private current() {
    const generation = this.meter.source.generation;
    if (this.generation !== generation) {
      this.generation = generation;
      try {
        this.delegate = (this.meter.current()[this.kind] as (n: string, o?: MetricOptions) => typeof this.delegate)(this.name, this.options);
      } catch {
        this.delegate = {};
      }
    }
    return this.delegate;
  }

  add(value: number, attributes?: Attributes, context?: Context): void {
    this.current().add?.(value, attributes, context);
  }

  record(value: number, attributes?: Attributes, context?: Context): void {
    this.current().record?.(value, attributes, context);
  }
}

/** An observable instrument whose callbacks move to the real meter's instrument on every (re)bind. */
export class LateObservable implements ObservableCounter, ObservableUpDownCounter, ObservableGauge {
  private readonly callbacks = new Set<ObservableCallback>();
  private generation = -1;
  /** The instrument on the real meter (for batch callbacks). */
  real: Observable | undefined;

  constructor(
    private readonly meter: LateBindingMeter,
    private readonly kind: ObservableKind,
    private readonly name: string,
    private readonly options?: MetricOptions,
  ) {}

  /** Re-creates the instrument on the current meter and moves the callbacks there. */
  sync(): void {
    const generation = this.meter.source.generation;
    if (this.generation === generation) return;
    this.generation = generation;
    const previous = this.real;
    if (previous) for (const cb of this.callbacks) safely(() => previous.removeCallback(cb));
    this.real = undefined;
    if (!this.meter.source.bound) return;
    try {
      const real = (this.meter.current()[this.kind] as (n: string, o?: MetricOptions) => Observable)(this.name, this.options);
      for (const cb of this.callbacks) real.addCallback(cb);
      this.real = real;
    } catch {
      this.real = undefined;
    }
  }

  addCallback(callback: ObservableCallback): void {
    if (this.callbacks.has(callback)) return;
    this.callbacks.add(callback);
    this.sync();
    if (this.real) {
      const real = this.real;
      safely(() => real.addCallback(callback));
    }
  }

  removeCallback(callback: ObservableCallback): void {
    this.callbacks.delete(callback);
    const real = this.real;
    if (real) safely(() => real.removeCallback(callback));
  }
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // a provider's instrument failing must not break the caller
  }
}

interface BatchEntry {
  readonly callback: BatchObservableCallback;
  readonly observables: Observable[];
  wrapper?: BatchObservableCallback;
  realMeter?: Meter;
  realObservables?: Observable[];
}

/**
 * A meter that hands out instruments which forward to the active provider's meter and re-bind
 * when it changes. Observable instruments keep their callbacks and re-register them.
 */
export class LateBindingMeter implements Meter {
  private generation = -1;
  private delegate: Meter = NOOP_METER;
  private readonly observables = new Set<LateObservable>();
  private readonly batches: BatchEntry[] = [];

  constructor(
    readonly source: BindingSource,
    private readonly name: string,
    private readonly version?: string,
    // Accepted for the Meter API's shape; the provider contract's meter(name, version) takes none.
    _options?: MeterOptions,
  ) {}

  /** The real meter of the current binding. */
  current(): Meter {
    if (this.generation !== this.source.generation) {
      this.generation = this.source.generation;
      let meter: Meter | undefined;
      try {
        meter = this.source.bound?.meter(this.name, this.version);
      } catch {
        meter = undefined;
      }
      this.delegate = meter ?? NOOP_METER;
    }
    return this.delegate;
  }

  /** Moves observable callbacks to the current binding; the manager calls it on every (re)bind. */
  rebind(): void {
    for (const observable of this.observables) observable.sync();
    for (const entry of this.batches) this.bindBatch(entry);
  }

  private bindBatch(entry: BatchEntry): void {
    if (entry.realMeter && entry.wrapper && entry.realObservables) {
      const { realMeter, wrapper, realObservables } = entry;
      safely(() => realMeter.removeBatchObservableCallback(wrapper, realObservables));
    }
    entry.realMeter = undefined;
    if (!this.source.bound) return;
    for (const o of entry.observables) if (o instanceof LateObservable) o.sync();
    const realObservables = entry.observables.map((o) => (o instanceof LateObservable ? o.real : o)).filter((o): o is Observable => !!o);
    const wrapper: BatchObservableCallback = (result: BatchObservableResult) =>
      entry.callback({
        observe: (observable: Observable, value: number, attributes?: Attributes) => {
          const real = observable instanceof LateObservable ? observable.real : observable;
          if (real) result.observe(real, value, attributes);
        },
      });
    const realMeter = this.current();
    safely(() => realMeter.addBatchObservableCallback(wrapper, realObservables));
    Object.assign(entry, { wrapper, realMeter, realObservables });
  }

  createCounter(name: string, options?: MetricOptions): Counter {
    return new LateSyncInstrument(this, 'createCounter', name, options);
  }

  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
    return new LateSyncInstrument(this, 'createUpDownCounter', name, options);
  }

  createHistogram(name: string, options?: MetricOptions): Histogram {
    return new LateSyncInstrument(this, 'createHistogram', name, options);
  }

  createGauge(name: string, options?: MetricOptions): Gauge {
    return new LateSyncInstrument(this, 'createGauge', name, options);
  }

  private observable(kind: ObservableKind, name: string, options?: MetricOptions): LateObservable {
    const observable = new LateObservable(this, kind, name, options);
    this.observables.add(observable);
    observable.sync();
    return observable;
  }

  createObservableCounter(name: string, options?: MetricOptions): ObservableCounter {
    return this.observable('createObservableCounter', name, options);
  }

  createObservableUpDownCounter(name: string, options?: MetricOptions): ObservableUpDownCounter {
    return this.observable('createObservableUpDownCounter', name, options);
  }

  createObservableGauge(name: string, options?: MetricOptions): ObservableGauge {
    return this.observable('createObservableGauge', name, options);
  }

  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    const entry: BatchEntry = { callback, observables: [...observables] };
    this.batches.push(entry);
    this.bindBatch(entry);
  }

  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    const index = this.batches.findIndex((e) => e.callback === callback && e.observables.length === observables.length && e.observables.every((o, i) => o === observables[i]));
    if (index === -1) return;
    const [entry] = this.batches.splice(index, 1);
    if (entry?.realMeter && entry.wrapper && entry.realObservables) {
      const { realMeter, wrapper, realObservables } = entry;
      safely(() => realMeter.removeBatchObservableCallback(wrapper, realObservables));
    }
  }
}
