import { diag } from '@opentelemetry/api';
import type { Attributes, Meter, Observable, ObservableCallback, ObservableResult } from '@opentelemetry/api';
import { GATEWAY_METRIC_DEFINITIONS } from './definitions.js';
import type {
  AllowedAttributeKey,
  GatewayMetricDefinition,
  GatewayMetricKey,
  GatewayRecorderKey,
  MetricDefinitionFor,
} from './definitions.js';

/** Values a metric attribute may take (keep them low-cardinality: no ids, emails or messages). */
export type MetricAttributeValue = string | number | boolean;

/**
 * The attributes one instrument accepts: only its allow-listed keys, all optional.
 * Instruments without attributes accept only `{}` (or nothing).
 */
export type MetricAttributes<K extends GatewayMetricKey> = [AllowedAttributeKey<K>] extends [never]
  ? { readonly [key: string]: never }
  : { readonly [P in AllowedAttributeKey<K>]?: MetricAttributeValue };

export interface CounterRecorder<A> {
  /** Adds a non-negative amount. */
  add(value: number, attributes?: A): void;
}

export interface UpDownCounterRecorder<A> {
  /** Adds a positive or negative amount. */
  add(value: number, attributes?: A): void;
}

export interface HistogramRecorder<A> {
  /** Records one measurement (durations in seconds). */
  record(value: number, attributes?: A): void;
}

/** Reports one gauge value for one attribute set during a collection. */
export type GaugeObserve<A> = (value: number, attributes?: A) => void;

export interface ObservableGaugeRecorder<A> {
  /**
   * Registers a callback the SDK calls at each collection; it should read live state and
   * `observe` each current value. Returns a function that unregisters it.
   */
  addCallback(callback: (observe: GaugeObserve<A>) => void): () => void;
}

/** Reports one cumulative counter total for one attribute set during a collection. */
export type CounterObserve<A> = (value: number, attributes?: A) => void;

export interface ObservableCounterRecorder<A> {
  /**
   * Registers a callback the SDK calls at each collection; it should `observe` each running
   * total (monotonic, never reset while the process lives). Returns a function that unregisters it.
   */
  addCallback(callback: (observe: CounterObserve<A>) => void): () => void;
}

type KindOf<K extends GatewayMetricKey> = MetricDefinitionFor<K>['kind'];

/** The recorder type for one catalog key. */
export type RecorderFor<K extends GatewayMetricKey> = KindOf<K> extends 'counter'
  ? CounterRecorder<MetricAttributes<K>>
  : KindOf<K> extends 'upDownCounter'
    ? UpDownCounterRecorder<MetricAttributes<K>>
    : KindOf<K> extends 'histogram'
      ? HistogramRecorder<MetricAttributes<K>>
      : KindOf<K> extends 'observableCounter'
        ? ObservableCounterRecorder<MetricAttributes<K>>
        : ObservableGaugeRecorder<MetricAttributes<K>>;

/**
 * Every instrument the gateway records (`recordedIn: 'gateway'`), keyed as in the catalog.
 * Provider-recorded rows (`telemetryDropped`) are not here: the provider registers them itself.
 */
export type GatewayMetrics = { readonly [K in GatewayRecorderKey]: RecorderFor<K> };

export interface GatewayMetricsOptions {
  /**
   * Called once per (instrument, attribute key) when a key outside the instrument's allow-list
   * is dropped, in addition to the OpenTelemetry `diag.debug` line. Never receives the value.
   */
  onDroppedAttribute?: (instrument: string, key: string) => void;
}

// Bounds the memory spent remembering which dropped keys were already reported.
const MAX_REPORTED_KEYS_PER_INSTRUMENT = 64;

/**
 * Drops attribute keys outside an instrument's allow-list. The common case (only allowed keys)
 * returns the caller's object untouched, so recording allocates nothing beyond what the SDK does.
 */
class AttributeGuard {
  private readonly reported = new Set<string>();
  // Up to four allowed keys are compared directly (no indexOf / Set lookup on every record:
  // this runs for every measurement, telemetry on or off); more use the Set.
  private readonly k0: string;
  private readonly k1: string;
  private readonly k2: string;
  private readonly k3: string;
  private readonly many: ReadonlySet<string> | undefined;

  constructor(
    private readonly instrument: string,
    private readonly allowed: readonly string[],
    private readonly onDropped: ((instrument: string, key: string) => void) | undefined,
  ) {
    // A key no attribute can have matches nothing.
    const none = '\u0000';
    this.k0 = allowed[0] ?? none;
    this.k1 = allowed[1] ?? none;
    this.k2 = allowed[2] ?? none;
    this.k3 = allowed[3] ?? none;
    this.many = allowed.length > 4 ? new Set(allowed) : undefined;
  }

  private isAllowed(key: string): boolean {
    if (key === this.k0 || key === this.k1 || key === this.k2 || key === this.k3) return key !== '\u0000';
    return this.many !== undefined && this.many.has(key);
  }

  filter(attributes: Attributes | undefined): Attributes | undefined {
    if (attributes === undefined) return undefined;
    for (const key in attributes) {
      if (!this.isAllowed(key)) return this.strip(attributes);
    }
    return attributes;
  }

  private strip(attributes: Attributes): Attributes {
    const kept: Attributes = {};
    for (const key in attributes) {
      if (this.isAllowed(key)) kept[key] = attributes[key];
      else this.report(key);
    }
    return kept;
  }

  private report(key: string): void {
    if (this.reported.has(key) || this.reported.size >= MAX_REPORTED_KEYS_PER_INSTRUMENT) return;
    this.reported.add(key);
    diag.debug(
      `@secure-mcp-gateway/metrics-catalog: dropped attribute "${key}" on ${this.instrument}; ` +
        `allowed: ${this.allowed.length > 0 ? this.allowed.join(', ') : '(none)'}`,
    );
    this.onDropped?.(this.instrument, key);
  }
}

function createRecorder(meter: Meter, def: GatewayMetricDefinition, options: GatewayMetricsOptions): unknown {
  const guard = new AttributeGuard(def.name, def.attributes, options.onDroppedAttribute);
  const base = { description: def.description, unit: def.unit };
  switch (def.kind) {
    case 'counter': {
      const counter = meter.createCounter(def.name, base);
      return { add: (value: number, attributes?: Attributes) => counter.add(value, guard.filter(attributes)) };
    }
    case 'upDownCounter': {
      const counter = meter.createUpDownCounter(def.name, base);
      return { add: (value: number, attributes?: Attributes) => counter.add(value, guard.filter(attributes)) };
    }
    case 'histogram': {
      const histogram = meter.createHistogram(def.name, {
        ...base,
        // The API wants a mutable array; copy so the SDK cannot alter the catalog.
        advice: { explicitBucketBoundaries: [...def.buckets] },
      });
      return {
        record: (value: number, attributes?: Attributes) => histogram.record(value, guard.filter(attributes)),
      };
    }
    case 'observableGauge':
      return observableRecorder(meter.createObservableGauge(def.name, base), guard);
    case 'observableCounter':
      return observableRecorder(meter.createObservableCounter(def.name, base), guard);
  }
}

/** `addCallback((observe) => …)` over an asynchronous instrument, with the attribute guard applied. */
function observableRecorder(instrument: Observable, guard: AttributeGuard): unknown {
  return {
    addCallback(callback: (observe: (value: number, attributes?: Attributes) => void) => void): () => void {
      const wrapped: ObservableCallback = (result: ObservableResult) => {
        callback((value, attributes) => result.observe(value, guard.filter(attributes)));
      };
      instrument.addCallback(wrapped);
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        instrument.removeCallback(wrapped);
      };
    },
  };
}

/**
 * Creates every gateway-recorded catalog instrument (`GATEWAY_METRIC_DEFINITIONS`) on `meter` and returns typed recorders:
 *
 * ```ts
 * const metrics = createGatewayMetrics(getMeter('secure-mcp-gateway'));
 * metrics.toolCalls.add(1, { server: 'github', tool: 'search' });
 * metrics.toolCallDuration.record(0.42, { server: 'github', tool: 'search', outcome: 'success' });
 * const stop = metrics.activeSessions.addCallback((observe) => observe(sessions.size, { transport: 'http' }));
 * ```
 *
 * Attribute keys outside an instrument's allow-list fail to compile and are dropped at run time.
 */
export function createGatewayMetrics(meter: Meter, options: GatewayMetricsOptions = {}): GatewayMetrics {
  const metrics: Record<string, unknown> = {};
  for (const def of GATEWAY_METRIC_DEFINITIONS) metrics[def.key] = createRecorder(meter, def, options);
  return Object.freeze(metrics) as GatewayMetrics;
}
