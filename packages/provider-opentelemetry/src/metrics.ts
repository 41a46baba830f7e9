// Request-path metrics: the SDK spends ~1 µs per measurement (attribute hashing with a sort and
// JSON.stringify, Date.now, map lookups). Instruments here pre-aggregate per attribute set with a
// cheap key and hand the SDK one measurement per series later — on a short timer, and always
// right before a reader collects — so exported values are exactly what was recorded.
import { ValueType } from '@opentelemetry/api';
import type {
  Attributes,
  BatchObservableCallback,
  Context,
  Counter,
  Gauge,
  Histogram,
  Meter,
  MetricOptions,
  Observable,
  ObservableCounter,
  ObservableGauge,
  ObservableUpDownCounter,
  UpDownCounter,
} from '@opentelemetry/api';

/** How often pending sums and buffered histogram values move into the SDK (bounds start-time skew). */
export const METRIC_DRAIN_INTERVAL_MS = 200;
/** Lookup nodes per instrument kept locally; beyond it new series go straight to the SDK (its cardinality limit applies). */
const MAX_LOCAL_NODES = 4096;
/** Buffered histogram values that trigger an early drain (bounds memory between drains). */
const HISTOGRAM_BUFFER_LIMIT = 4096;
const MAX_KEYS = 16;

/**
 * Series lookup without building a key string: a trie over (attribute name, value) pairs in the
 * caller's key order. Names and values are usually constant strings with cached hashes, so each
 * step is a cheap Map lookup. Insertion order is part of the path: the same set written in
 * another order is a second local series, which the SDK merges.
 */
interface Node<T> {
  next: Map<string, Map<unknown, Node<T>>> | undefined;
  series: T | undefined;
}

const newNode = <T>(): Node<T> => ({ next: undefined, series: undefined });

/** Local series of one instrument, looked up by attribute set; bounded in nodes. */
class SeriesTable<T> {
  private readonly root = newNode<T>();
  private nodes = 0;

  /**
   * The node of an attribute set of string/number/boolean values, created if missing; undefined
   * when the set has other values (arrays, objects), too many keys or the table is full: those
   * measurements go to the SDK directly.
   */
  find(attributes: Attributes): Node<T> | undefined {
    let node = this.root;
    let n = 0;
    for (const name in attributes) {
      if (++n > MAX_KEYS) return undefined;
      const value = attributes[name];
      const type = typeof value;
      if (type !== 'string' && type !== 'number' && type !== 'boolean' && type !== 'undefined') return undefined;
      let byName = node.next;
      let byValue = byName?.get(name);
      let child = byValue?.get(value);
      if (child === undefined) {
        if (this.nodes >= MAX_LOCAL_NODES) return undefined;
        if (byName === undefined) node.next = byName = new Map();
        if (byValue === undefined) byName.set(name, (byValue = new Map()));
        byValue.set(value, (child = newNode<T>()));
        this.nodes += 1;
      }
      node = child;
    }
    return node;
  }
}

interface SumSeries {
  readonly attributes: Attributes;
  pending: number;
  dirty: boolean;
}

interface ValueSeries {
  readonly attributes: Attributes;
  values: number[];
}

/** Owns the drain timer and every aggregating instrument. */
export class MetricAggregator {
  private readonly instruments = new Set<{ drain(): void }>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  register(instrument: { drain(): void }): void {
    this.instruments.add(instrument);
  }

  /** Something is pending: make sure a drain comes within the interval. */
  schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.drain();
    }, METRIC_DRAIN_INTERVAL_MS);
    this.timer.unref?.();
  }

  /** A buffer is large: drain once the caller's work is done. */
  scheduleSoon(): void {
    if (this.immediate || this.closed) return;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      this.drain();
    });
    this.immediate.unref?.();
  }

  /** Moves everything pending into the SDK instruments (readers call it before collecting). */
  drain(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.immediate) {
      clearImmediate(this.immediate);
      this.immediate = undefined;
    }
    for (const instrument of this.instruments) {
      try {
        instrument.drain();
      } catch {
        // an SDK failure must not stop the other instruments
      }
    }
  }

  /** Drains and stops the timers (shutdown). */
  close(): void {
    this.drain();
    this.closed = true;
  }

  meter(real: Meter): Meter {
    return new AggregatingMeter(real, this);
  }
}

/** Counter / UpDownCounter: sums per series. */
class SumInstrument implements Counter, UpDownCounter {
  private readonly table = new SeriesTable<SumSeries>();
  private readonly dirty: SumSeries[] = [];

  constructor(
    private readonly real: Counter | UpDownCounter,
    private readonly aggregator: MetricAggregator,
    private readonly monotonic: boolean,
    /** ValueType.INT: the SDK truncates each fractional value, so those must reach it one by one. */
    private readonly integer: boolean,
  ) {
    aggregator.register(this);
  }

  add(value: number, attributes?: Attributes, context?: Context): void {
    // Anything unusual (warnings, truncation, context-dependent processing) is the SDK's to handle.
    if (
      typeof value !== 'number' ||
      value !== value ||
      (this.monotonic && value < 0) ||
      context !== undefined ||
      (this.integer && !Number.isInteger(value))
    ) {
      this.real.add(value, attributes, context);
      return;
    }
    const attrs = attributes ?? EMPTY;
    const node = this.table.find(attrs);
    if (node === undefined) {
      this.real.add(value, attributes);
      return;
    }
    let series = node.series;
    if (series === undefined) {
      series = { attributes: { ...attrs }, pending: 0, dirty: false };
      node.series = series;
    }
    series.pending += value;
    if (!series.dirty) {
      series.dirty = true;
      this.dirty.push(series);
      this.aggregator.schedule();
    }
  }

  drain(): void {
    const dirty = this.dirty.splice(0);
    for (const series of dirty) {
      const value = series.pending;
      series.pending = 0;
      series.dirty = false;
      // Zero still creates the series in the SDK (as an add of 0 would have).
      this.real.add(value, series.attributes);
    }
  }
}

/** Histogram: values buffered per series, recorded into the SDK off the request path. */
class BufferedHistogram implements Histogram {
  private readonly table = new SeriesTable<ValueSeries>();
  private readonly dirty: ValueSeries[] = [];
  private buffered = 0;

  constructor(
    private readonly real: Histogram,
    private readonly aggregator: MetricAggregator,
  ) {
    aggregator.register(this);
  }

  record(value: number, attributes?: Attributes, context?: Context): void {
    if (typeof value !== 'number' || value !== value || value < 0 || context !== undefined) {
      this.real.record(value, attributes, context);
      return;
    }
    const attrs = attributes ?? EMPTY;
    const node = this.table.find(attrs);
    if (node === undefined) {
      this.real.record(value, attributes);
      return;
    }
    let series = node.series;
    if (series === undefined) {
      series = { attributes: { ...attrs }, values: [] };
      node.series = series;
    }
    if (series.values.length === 0) this.dirty.push(series);
    series.values.push(value);
    if (++this.buffered >= HISTOGRAM_BUFFER_LIMIT) this.aggregator.scheduleSoon();
    else this.aggregator.schedule();
  }

  drain(): void {
    this.buffered = 0;
    const dirty = this.dirty.splice(0);
    for (const series of dirty) {
      const values = series.values;
      series.values = [];
      for (let i = 0; i < values.length; i++) this.real.record(values[i]!, series.attributes);
    }
  }
}

/** Gauge (synchronous): the last value per series. */
class LastValueGauge implements Gauge {
  private readonly table = new SeriesTable<{ readonly attributes: Attributes; value: number; dirty: boolean }>();
  private readonly dirty: Array<{ readonly attributes: Attributes; value: number; dirty: boolean }> = [];

  constructor(
    private readonly real: Gauge,
    private readonly aggregator: MetricAggregator,
  ) {
    aggregator.register(this);
  }

  record(value: number, attributes?: Attributes, context?: Context): void {
    if (typeof value !== 'number' || value !== value || context !== undefined) {
      this.real.record(value, attributes, context);
      return;
    }
    const attrs = attributes ?? EMPTY;
    const node = this.table.find(attrs);
    if (node === undefined) {
      this.real.record(value, attributes);
      return;
    }
    let series = node.series;
    if (series === undefined) {
      series = { attributes: { ...attrs }, value, dirty: false };
      node.series = series;
    }
    series.value = value;
    if (!series.dirty) {
      series.dirty = true;
      this.dirty.push(series);
      this.aggregator.schedule();
    }
  }

  drain(): void {
    const dirty = this.dirty.splice(0);
    for (const series of dirty) {
      series.dirty = false;
      this.real.record(series.value, series.attributes);
    }
  }
}

const EMPTY: Attributes = Object.freeze({}) as Attributes;

const MAX_CACHED_INSTRUMENTS = 1000;

/** A Meter whose synchronous instruments pre-aggregate; observable ones are the SDK's own. */
class AggregatingMeter implements Meter {
  // The same instrument asked for again gets the same wrapper (the SDK shares its storage the
  // same way), so code creating instruments per call does not grow the drain list.
  private readonly cache = new Map<string, Counter | UpDownCounter | Histogram | Gauge>();

  constructor(
    private readonly real: Meter,
    private readonly aggregator: MetricAggregator,
  ) {}

  private cached<T extends Counter | UpDownCounter | Histogram | Gauge>(kind: string, name: string, options: MetricOptions | undefined, make: () => T): T {
    let key: string;
    try {
      key = `${kind}\u0000${name}\u0000${options ? JSON.stringify(options) : ''}`;
    } catch {
      return make();
    }
    let instrument = this.cache.get(key) as T | undefined;
    if (!instrument) {
      instrument = make();
      if (this.cache.size < MAX_CACHED_INSTRUMENTS) this.cache.set(key, instrument);
    }
    return instrument;
  }

  createCounter(name: string, options?: MetricOptions): Counter {
    const integer = options?.valueType === ValueType.INT;
    return this.cached('c', name, options, () => new SumInstrument(this.real.createCounter(name, options), this.aggregator, true, integer));
  }

  createUpDownCounter(name: string, options?: MetricOptions): UpDownCounter {
    const integer = options?.valueType === ValueType.INT;
    return this.cached('u', name, options, () => new SumInstrument(this.real.createUpDownCounter(name, options), this.aggregator, false, integer));
  }

  createHistogram(name: string, options?: MetricOptions): Histogram {
    return this.cached('h', name, options, () => new BufferedHistogram(this.real.createHistogram(name, options), this.aggregator));
  }

  createGauge(name: string, options?: MetricOptions): Gauge {
    return this.cached('g', name, options, () => new LastValueGauge(this.real.createGauge(name, options), this.aggregator));
  }

  createObservableCounter(name: string, options?: MetricOptions): ObservableCounter {
    return this.real.createObservableCounter(name, options);
  }

  createObservableUpDownCounter(name: string, options?: MetricOptions): ObservableUpDownCounter {
    return this.real.createObservableUpDownCounter(name, options);
  }

  createObservableGauge(name: string, options?: MetricOptions): ObservableGauge {
    return this.real.createObservableGauge(name, options);
  }

  addBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    this.real.addBatchObservableCallback(callback, observables);
  }

  removeBatchObservableCallback(callback: BatchObservableCallback, observables: Observable[]): void {
    this.real.removeBatchObservableCallback(callback, observables);
  }
}

