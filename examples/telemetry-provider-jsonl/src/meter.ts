import { ValueType } from '@opentelemetry/api';
import type {
  Attributes,
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
import { toJsonLine, type JsonlFile } from './file';
import { iso } from './time';

// The OTel SDK's default explicit bucket boundaries, used when an instrument gives no advice.
const DEFAULT_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

// Lets a batch callback map an observable back to its instrument.
const INSTRUMENT = Symbol('telemetry-provider-jsonl.instrument');

type Kind = 'counter' | 'up_down_counter' | 'histogram' | 'gauge' | 'observable_counter' | 'observable_up_down_counter' | 'observable_gauge';

interface Series {
  attributes: Attributes;
  startMs: number;
  value: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  buckets: number[];
  dirty: boolean;
}

interface Instrument {
  readonly name: string;
  readonly kind: Kind;
  readonly scope: { name: string; version?: string };
  readonly options: MetricOptions;
  readonly boundaries: number[];
  readonly series: Map<string, Series>;
  readonly callbacks: Set<ObservableCallback>;
}

function attributesKey(attributes: Attributes): string {
  return JSON.stringify(Object.keys(attributes).sort().map((k) => [k, attributes[k]]));
}

/**
 * Aggregates measurements in memory (cumulative sums, last-value gauges, explicit-bucket
 * histograms) and writes one JSON line per changed series on each collection.
 */
export class JsonlMetrics {
  private readonly instruments = new Map<string, Instrument>();
  private readonly batchCallbacks = new Map<BatchObservableCallback, Observable[]>();

  constructor(
    private readonly file: JsonlFile,
    private readonly resource: Readonly<Record<string, string>>,
  ) {}

  meter(name: string, version?: string): Meter {
    const scope = version ? { name, version } : { name };
    const instrument = (instrumentName: string, kind: Kind, options: MetricOptions = {}): Instrument => {
      const id = `${scope.name}\u0000${instrumentName}`;
      let found = this.instruments.get(id);
      if (!found) {
        const advised = options.advice?.explicitBucketBoundaries;
        found = {
          name: instrumentName,
          kind,
          scope,
          options,
          boundaries: advised && advised.length > 0 ? [...advised] : DEFAULT_BOUNDARIES,
          series: new Map(),
          callbacks: new Set(),
        };
        this.instruments.set(id, found);
      }
      return found;
    };
    const observable = (inst: Instrument): Observable & { [key: symbol]: Instrument } => ({
      addCallback: (cb: ObservableCallback) => void inst.callbacks.add(cb),
      removeCallback: (cb: ObservableCallback) => void inst.callbacks.delete(cb),
      [INSTRUMENT]: inst,
    });
    return {
      createCounter: (n, o) => {
        const inst = instrument(n, 'counter', o);
        return { add: (v: number, a?: Attributes) => v >= 0 && this.record(inst, v, a) } as Counter;
      },
      createUpDownCounter: (n, o) => {
        const inst = instrument(n, 'up_down_counter', o);
        return { add: (v: number, a?: Attributes) => this.record(inst, v, a) } as UpDownCounter;
      },
      createHistogram: (n, o) => {
        const inst = instrument(n, 'histogram', o);
        return { record: (v: number, a?: Attributes) => v >= 0 && this.record(inst, v, a) } as Histogram;
      },
      createGauge: (n, o) => {
        const inst = instrument(n, 'gauge', o);
        return { record: (v: number, a?: Attributes) => this.record(inst, v, a) } as Gauge;
      },
      createObservableCounter: (n, o) => observable(instrument(n, 'observable_counter', o)) as ObservableCounter,
      createObservableUpDownCounter: (n, o) =>
        observable(instrument(n, 'observable_up_down_counter', o)) as ObservableUpDownCounter,
      createObservableGauge: (n, o) => observable(instrument(n, 'observable_gauge', o)) as ObservableGauge,
      addBatchObservableCallback: (cb, observables) => void this.batchCallbacks.set(cb, observables),
      removeBatchObservableCallback: (cb) => void this.batchCallbacks.delete(cb),
    };
  }

  private record(inst: Instrument, value: number, attributes: Attributes = {}): void {
    if (!Number.isFinite(value)) return;
    if (inst.options.valueType === ValueType.INT) value = Math.trunc(value);
    const key = attributesKey(attributes);
    let s = inst.series.get(key);
    if (!s) {
      s = {
        attributes: { ...attributes },
        startMs: Date.now(),
        value: 0,
        count: 0,
        sum: 0,
        min: Infinity,
        max: -Infinity,
        buckets: new Array<number>(inst.boundaries.length + 1).fill(0),
        dirty: false,
      };
      inst.series.set(key, s);
    }
    s.dirty = true;
    switch (inst.kind) {
      case 'counter':
      case 'up_down_counter':
        s.value += value;
        break;
      case 'histogram': {
        s.count += 1;
        s.sum += value;
        s.min = Math.min(s.min, value);
        s.max = Math.max(s.max, value);
        let i = inst.boundaries.findIndex((b) => value <= b);
        if (i === -1) i = inst.boundaries.length;
        s.buckets[i] = (s.buckets[i] ?? 0) + 1;
        break;
      }
      default:
        // Gauges and observables: the last value is the value.
        s.value = value;
    }
  }

  /** Runs the observable callbacks and writes one line per series that changed since the last collection. */
  async collect(): Promise<void> {
    const pending: Array<Promise<void> | void> = [];
    for (const inst of this.instruments.values()) {
      for (const cb of inst.callbacks) {
        pending.push(
          safely(() => cb({ observe: (v, a) => this.record(inst, v, a) })),
        );
      }
    }
    for (const [cb, observables] of this.batchCallbacks) {
      pending.push(
        safely(() =>
          cb({
            observe: (obs: Observable, v: number, a?: Attributes) => {
              const inst = (obs as unknown as Record<symbol, Instrument | undefined>)[INSTRUMENT];
              if (inst && observables.includes(obs)) this.record(inst, v, a);
            },
          }),
        ),
      );
    }
    await Promise.all(pending);
    const now = iso(Date.now());
    for (const inst of this.instruments.values()) {
      for (const s of inst.series.values()) {
        if (!s.dirty) continue;
        s.dirty = false;
        this.file.write(toJsonLine(this.point(inst, s, now)));
      }
    }
  }

  private point(inst: Instrument, s: Series, time: string): Record<string, unknown> {
    const base = {
      time,
      name: inst.name,
      kind: inst.kind,
      unit: inst.options.unit ?? '',
      description: inst.options.description ?? '',
      attributes: s.attributes,
      start_time: iso(s.startMs),
      scope: inst.scope,
      resource: this.resource,
    };
    if (inst.kind === 'histogram') {
      return {
        ...base,
        count: s.count,
        sum: s.sum,
        min: s.count > 0 ? s.min : undefined,
        max: s.count > 0 ? s.max : undefined,
        bucket_counts: s.buckets,
        explicit_bounds: inst.boundaries,
      };
    }
    return { ...base, value: s.value };
  }
}

async function safely(fn: () => unknown): Promise<void> {
  try {
    await fn();
  } catch {
    // A failing user callback must not stop the other series from being written.
  }
}
