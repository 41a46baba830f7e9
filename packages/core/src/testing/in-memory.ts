import { randomBytes } from 'node:crypto';
import {
  context as contextApi,
  isSpanContextValid,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type BatchObservableCallback,
  type Context,
  type Counter,
  type Exception,
  type Gauge,
  type Histogram,
  type Link,
  type Meter,
  type MetricOptions,
  type Observable,
  type ObservableCallback,
  type ObservableCounter,
  type ObservableGauge,
  type ObservableResult,
  type ObservableUpDownCounter,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type TimeInput,
  type Tracer,
  type UpDownCounter,
} from '@opentelemetry/api';
import { ensureContextManager } from '../context';
import { defineProvider, type ConnectivityResult, type LogRecord, type ProviderInstance, type TelemetryProvider } from '../contract';
import { createRecordLogger, formatLogRecord } from '../logger';
import { CORE_VERSION } from '../version';

export interface InMemorySpanEvent {
  readonly name: string;
  readonly attributes: Attributes;
  readonly time: number;
}

/** A finished span as the in-memory provider records it. */
export interface InMemorySpan {
  readonly name: string;
  readonly kind: SpanKind;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string | undefined;
  readonly attributes: Attributes;
  readonly status: SpanStatus;
  readonly events: readonly InMemorySpanEvent[];
  readonly links: readonly Link[];
  readonly startTime: number;
  readonly endTime: number;
  /** The tracer's name. */
  readonly scope: string;
}

export type InstrumentKind =
  | 'counter'
  | 'upDownCounter'
  | 'histogram'
  | 'gauge'
  | 'observableCounter'
  | 'observableUpDownCounter'
  | 'observableGauge';

/** One recorded (or observed) metric value. */
export interface InMemoryMeasurement {
  readonly name: string;
  readonly kind: InstrumentKind;
  readonly value: number;
  readonly attributes: Attributes;
  readonly time: number;
  /** The meter's name. */
  readonly scope: string;
  readonly unit?: string | undefined;
  readonly description?: string | undefined;
}

export interface InMemoryProviderOptions {
  /** meta.name (default `in-memory`). */
  readonly name?: string;
  /**
   * The backend's reachability as `checkConnectivity` reports it (default: no check at all).
   * A function is asked on every check, so a test can make the backend "come up" later.
   */
  readonly connectivity?: boolean | (() => boolean | ConnectivityResult | Promise<boolean | ConnectivityResult>);
}

export interface InMemoryTelemetry {
  readonly provider: TelemetryProvider;
  /** Every log record written (and replayed), in order. */
  readonly logs: LogRecord[];
  /** The same records as JSON-line objects (`formatLogRecord`): what the conformance harness reads. */
  jsonLogs(): Record<string, unknown>[];
  /** Every span ended, in order of ending. */
  readonly spans: InMemorySpan[];
  /** Every metric measurement; observable ones appear when `collect()` (or a query) runs callbacks. */
  readonly measurements: InMemoryMeasurement[];
  /** The instances `create` made, newest last. */
  readonly instances: ProviderInstance[];
  /** Runs every observable callback once, recording what they observe. */
  collect(): void;
  /** Sum of counter/up-down-counter values (observable ones: the latest observation per attribute set) matching `attributes`. */
  counterValue(name: string, attributes?: Attributes): number;
  /** Every value recorded on a histogram, matching `attributes`. */
  histogramValues(name: string, attributes?: Attributes): number[];
  /** The latest gauge value (observable gauges: their callbacks run now) matching `attributes`. */
  gaugeValue(name: string, attributes?: Attributes): number | undefined;
  /** Forgets every log, span and measurement (instruments and callbacks stay). */
  reset(): void;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function toMillis(time: TimeInput | undefined): number {
  if (time === undefined) return Date.now();
  if (typeof time === 'number') return time < 1e12 ? performance.timeOrigin + time : time;
  if (time instanceof Date) return time.getTime();
  return time[0] * 1000 + time[1] / 1e6;
}

function matches(attributes: Attributes, subset: Attributes | undefined): boolean {
  if (!subset) return true;
  for (const [key, value] of Object.entries(subset)) {
    const actual: AttributeValue | undefined = attributes[key];
    if (Array.isArray(value) ? JSON.stringify(actual) !== JSON.stringify(value) : actual !== value) return false;
  }
  return true;
}

class InMemorySpanImpl implements Span {
  private readonly attributes: Attributes = {};
  private readonly events: InMemorySpanEvent[] = [];
  private readonly links: Link[] = [];
  private status: SpanStatus = { code: SpanStatusCode.UNSET };
  private ended = false;
  private readonly startTime: number;

  constructor(
    private name: string,
    private readonly ctx: SpanContext,
    private readonly parentSpanId: string | undefined,
    private readonly kind: SpanKind,
    options: SpanOptions,
    private readonly scope: string,
    private readonly onEnd: (span: InMemorySpan) => void,
  ) {
    this.startTime = toMillis(options.startTime);
    if (options.attributes) this.setAttributes(options.attributes);
    if (options.links) this.links.push(...options.links);
  }

  spanContext(): SpanContext {
    return this.ctx;
  }
  setAttribute(key: string, value: AttributeValue): this {
    if (!this.ended && value !== undefined) this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.setAttribute(key, value);
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.ended) return this;
    const isTime = typeof attributesOrTime === 'number' || attributesOrTime instanceof Date || Array.isArray(attributesOrTime);
    this.events.push({
      name,
      attributes: isTime || !attributesOrTime ? {} : { ...(attributesOrTime as Attributes) },
      time: toMillis(isTime ? (attributesOrTime as TimeInput) : time),
    });
    return this;
  }
  addLink(link: Link): this {
    this.links.push(link);
    return this;
  }
  addLinks(links: Link[]): this {
    this.links.push(...links);
    return this;
  }
  setStatus(status: SpanStatus): this {
    if (!this.ended) this.status = { ...status };
    return this;
  }
  updateName(name: string): this {
    if (!this.ended) this.name = name;
    return this;
  }
  end(endTime?: TimeInput): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd({
      name: this.name,
      kind: this.kind,
      traceId: this.ctx.traceId,
      spanId: this.ctx.spanId,
      parentSpanId: this.parentSpanId,
      attributes: { ...this.attributes },
      status: { ...this.status },
      events: [...this.events],
      links: [...this.links],
      startTime: this.startTime,
      endTime: toMillis(endTime),
      scope: this.scope,
    });
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else {
      const e = exception as { name?: string; message?: string; stack?: string; code?: string | number };
      if (e.name) attributes['exception.type'] = e.name;
      else if (e.code !== undefined) attributes['exception.type'] = String(e.code);
      if (e.message) attributes['exception.message'] = e.message;
      if (e.stack) attributes['exception.stacktrace'] = e.stack;
    }
    this.addEvent('exception', attributes, time);
  }
}

/**
 * An in-memory provider for tests: records log records, finished spans (real ids, parent/child
 * through the active context) and metric measurements, with query helpers. Built on the
 * OpenTelemetry API only.
 */
export function createInMemoryProvider(options: InMemoryProviderOptions = {}): InMemoryTelemetry {
  const logs: LogRecord[] = [];
  const spans: InMemorySpan[] = [];
  const measurements: InMemoryMeasurement[] = [];
  const instances: ProviderInstance[] = [];
  // Observable instruments of every instance: name -> callbacks.
  const observables: { name: string; kind: InstrumentKind; scope: string; options?: MetricOptions | undefined; callbacks: Set<ObservableCallback>; alive: () => boolean }[] = [];
  const batches: { callback: BatchObservableCallback; observables: Observable[]; alive: () => boolean }[] = [];

  const collectOnly = (filter?: (name: string) => boolean): void => {
    const time = Date.now();
    for (const o of observables) {
      if (!o.alive() || (filter && !filter(o.name))) continue;
      for (const cb of o.callbacks) {
        const result: ObservableResult = {
          observe: (value: number, attributes: Attributes = {}) =>
            void measurements.push({ name: o.name, kind: o.kind, value, attributes: { ...attributes }, time, scope: o.scope, unit: o.options?.unit, description: o.options?.description }),
        };
        try {
          void cb(result);
        } catch {
          // a throwing callback is the caller's bug; keep collecting the others
        }
      }
    }
    for (const b of batches) {
      if (!b.alive()) continue;
      try {
        void b.callback({
          observe: (observable: Observable, value: number, attributes: Attributes = {}) => {
            const o = observable as unknown as { __inMemory?: (typeof observables)[number] };
            const meta = o.__inMemory;
            if (meta && (!filter || filter(meta.name))) measurements.push({ name: meta.name, kind: meta.kind, value, attributes: { ...attributes }, time, scope: meta.scope, unit: meta.options?.unit, description: meta.options?.description });
          },
        });
      } catch {
        // as above
      }
    }
  };

  const provider = defineProvider<Record<string, unknown>>({
    meta: { name: options.name ?? 'in-memory', version: CORE_VERSION, core: `>=${CORE_VERSION.replace(/-.*$/, '')}`, description: 'Records everything in memory, for tests.' },
    create(_config, ctx) {
      ensureContextManager();
      let open = true;
      const alive = (): boolean => open;
      const write = (record: LogRecord): void => {
        if (open) logs.push(record);
      };

      const tracer = (scope: string): Tracer => {
        const startSpan = (name: string, spanOptions: SpanOptions = {}, ctxIn: Context = contextApi.active()): Span => {
          const parent = spanOptions.root ? undefined : trace.getSpanContext(ctxIn);
          const validParent = parent && isSpanContextValid(parent) ? parent : undefined;
          const spanContext: SpanContext = {
            traceId: validParent?.traceId ?? hex(16),
            spanId: hex(8),
            traceFlags: TraceFlags.SAMPLED,
            ...(validParent?.traceState ? { traceState: validParent.traceState } : {}),
          };
          return new InMemorySpanImpl(name, spanContext, validParent?.spanId, spanOptions.kind ?? SpanKind.INTERNAL, spanOptions, scope, (s) => {
            if (open) spans.push(s);
          });
        };
        const startActiveSpan = (name: string, ...rest: unknown[]): unknown => {
          const fn = rest[rest.length - 1] as (span: Span) => unknown;
          const spanOptions = (rest.length >= 2 ? rest[0] : undefined) as SpanOptions | undefined;
          const parentCtx = (rest.length >= 3 ? rest[1] : undefined) as Context | undefined;
          const base = parentCtx ?? contextApi.active();
          const span = startSpan(name, spanOptions, base);
          return contextApi.with(trace.setSpan(base, span), fn, undefined, span);
        };
        return { startSpan, startActiveSpan } as Tracer;
      };

      const meter = (scope: string): Meter => {
        const sync = (kind: InstrumentKind, name: string, metricOptions?: MetricOptions) => {
          const push = (value: number, attributes: Attributes = {}): void => {
            if (!open) return;
            if (kind === 'counter' && value < 0) {
              ctx.diagnostics.warn(`negative value ${value} ignored on counter ${name}`);
              return;
            }
            measurements.push({ name, kind, value, attributes: { ...attributes }, time: Date.now(), scope, unit: metricOptions?.unit, description: metricOptions?.description });
          };
          return { add: push, record: push };
        };
        const observable = (kind: InstrumentKind, name: string, metricOptions?: MetricOptions) => {
          const entry = { name, kind, scope, options: metricOptions, callbacks: new Set<ObservableCallback>(), alive };
          observables.push(entry);
          return {
            __inMemory: entry,
            addCallback: (cb: ObservableCallback) => void entry.callbacks.add(cb),
            removeCallback: (cb: ObservableCallback) => void entry.callbacks.delete(cb),
          };
        };
        return {
          createCounter: (name, o) => sync('counter', name, o) as Counter,
          createUpDownCounter: (name, o) => sync('upDownCounter', name, o) as UpDownCounter,
          createHistogram: (name, o) => sync('histogram', name, o) as Histogram,
          createGauge: (name, o) => sync('gauge', name, o) as Gauge,
          createObservableCounter: (name, o) => observable('observableCounter', name, o) as ObservableCounter,
          createObservableUpDownCounter: (name, o) => observable('observableUpDownCounter', name, o) as ObservableUpDownCounter,
          createObservableGauge: (name, o) => observable('observableGauge', name, o) as ObservableGauge,
          addBatchObservableCallback: (callback, obs) => void batches.push({ callback, observables: obs, alive }),
          removeBatchObservableCallback: (callback) => {
            const i = batches.findIndex((b) => b.callback === callback);
            if (i >= 0) batches.splice(i, 1);
          },
        };
      };

      const instance: ProviderInstance = {
        logger: (name) => createRecordLogger({ name, threshold: ctx.settings.logLevel, write }),
        tracer: (name) => tracer(name),
        meter: (name) => meter(name),
        emit: (record) => write(record),
        stats: () => ({ droppedSpans: 0, droppedLogRecords: 0, failedExports: 0 }),
        forceFlush: () => Promise.resolve(),
        shutdown: () => {
          open = false;
          return Promise.resolve();
        },
      };
      const { connectivity } = options;
      if (connectivity !== undefined) {
        instance.checkConnectivity = async () => {
          const answer = typeof connectivity === 'function' ? await connectivity() : connectivity;
          if (typeof answer === 'object') return answer;
          return answer
            ? { ok: true, detail: 'in-memory backend reachable' }
            : { ok: false, detail: 'in-memory backend unreachable', hint: 'the test made it unreachable' };
        };
      }
      instances.push(instance);
      return instance;
    },
  });

  const latestPerAttributeSet = (list: InMemoryMeasurement[]): InMemoryMeasurement[] => {
    const latest = new Map<string, InMemoryMeasurement>();
    for (const m of list) latest.set(JSON.stringify(Object.entries(m.attributes).sort(([a], [b]) => a.localeCompare(b))), m);
    return [...latest.values()];
  };

  return {
    provider,
    logs,
    spans,
    measurements,
    instances,
    jsonLogs: () => logs.map(formatLogRecord),
    collect: () => collectOnly(),
    counterValue(name, attributes) {
      const own = measurements.filter((m) => m.name === name && matches(m.attributes, attributes));
      let total = own.filter((m) => m.kind === 'counter' || m.kind === 'upDownCounter').reduce((sum, m) => sum + m.value, 0);
      if (observables.some((o) => o.name === name && (o.kind === 'observableCounter' || o.kind === 'observableUpDownCounter'))) {
        const before = measurements.length;
        collectOnly((n) => n === name);
        const fresh = measurements.slice(before).filter((m) => matches(m.attributes, attributes));
        total += latestPerAttributeSet(fresh).reduce((sum, m) => sum + m.value, 0);
      }
      return total;
    },
    histogramValues(name, attributes) {
      return measurements.filter((m) => m.name === name && m.kind === 'histogram' && matches(m.attributes, attributes)).map((m) => m.value);
    },
    gaugeValue(name, attributes) {
      if (observables.some((o) => o.name === name && o.kind === 'observableGauge')) collectOnly((n) => n === name);
      const found = measurements.filter((m) => m.name === name && (m.kind === 'gauge' || m.kind === 'observableGauge') && matches(m.attributes, attributes));
      return found[found.length - 1]?.value;
    },
    reset() {
      logs.length = 0;
      spans.length = 0;
      measurements.length = 0;
    },
  };
}
