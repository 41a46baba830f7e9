import {
  metrics,
  trace,
  type Meter,
  type MeterOptions,
  type MeterProvider,
  type Tracer,
  type TracerOptions,
  type TracerProvider,
} from '@opentelemetry/api';
import type { logs as logsApi } from '@opentelemetry/api-logs';
import { ensureContextManager } from './context';
import type { OtelLogger, OtelLoggerOptions } from './contract';
import { applyPropagators, ConfiguredPropagator, parsePropagators } from './propagators';

/** What the global providers hand out: the manager's late-binding tracers, meters and loggers. */
export interface GlobalsSource {
  getTracer(name: string, version?: string, options?: TracerOptions): Tracer;
  getMeter(name: string, version?: string, options?: MeterOptions): Meter;
  getOtelLogger(name: string, version?: string, options?: OtelLoggerOptions): OtelLogger;
}

type Slot = 'tracer provider' | 'meter provider' | 'logger provider';

const API_OF: Readonly<Record<Slot, string>> = {
  'tracer provider': 'trace.getTracer()',
  'meter provider': 'metrics.getMeter()',
  'logger provider': 'logs.getLogger()',
};

type LogsApi = { logs: typeof logsApi };

/**
 * The `logs` API of `@opentelemetry/api-logs`, an optional peer: undefined without it (then there
 * is no `logs` global to serve). `import()` in both builds: Node loads the package's one CJS build.
 */
export async function loadLogsApi(): Promise<LogsApi['logs'] | undefined> {
  try {
    const mod = (await import('@opentelemetry/api-logs')) as LogsApi & { default?: LogsApi };
    return mod.logs ?? mod.default?.logs;
  } catch {
    return undefined;
  }
}

/**
 * Makes the OpenTelemetry API globals hand out the bound provider's pipeline.
 *
 * Why core registers providers of its own instead of the provider's SDK objects: the API's
 * global slots are set-once (`trace.setGlobalTracerProvider` fails while one is registered), its
 * `ProxyTracer` keeps the first real tracer it finds (so re-binding the API proxy would leave
 * earlier tracers on the old provider), and `metrics` has no proxy at all (a meter taken before
 * registration stays a no-op forever). So core registers, once per process, providers whose
 * tracers, meters and loggers are its late-binding ones (the very objects `getTracer`,
 * `getMeter` hand out): they follow every re-bind (waiting -> active, re-init, shutdown) and
 * are no-ops while nothing is bound. Registration happens at `initTelemetry`, never at import,
 * so importing core takes no global.
 *
 * A slot other code registered first (e.g. the application's own NodeSDK) is kept, never
 * clobbered, with one warning naming it.
 */
export class TelemetryGlobals {
  private readonly owned = new Set<Slot | 'propagator'>();
  private readonly warned = new Set<string>();
  private readonly propagator = new ConfiguredPropagator();
  private logsRegistration: Promise<Slot | undefined> | undefined;
  private readonly tracerProvider: TracerProvider;
  private readonly meterProvider: MeterProvider;

  constructor(
    private readonly source: GlobalsSource,
    /** Prints one warning line (core's stderr channel). */
    private readonly warn: (message: string) => void,
  ) {
    this.tracerProvider = { getTracer: (name, version, options) => source.getTracer(name, version, options) };
    this.meterProvider = { getMeter: (name, version, options) => source.getMeter(name, version, options) };
  }

  /** The `OTEL_PROPAGATORS` names in effect (comma-separated; empty for none). */
  get propagators(): string {
    return this.propagator.names;
  }

  /**
   * Registers the context manager, the propagator (from `env.OTEL_PROPAGATORS`), the tracer and
   * meter providers (synchronously: instrumentations registered right after `initTelemetry()`
   * get them) and the logger provider (once `@opentelemetry/api-logs` is loaded); the
   * propagator propagates once `@opentelemetry/core` is loaded (before `initTelemetry` resolves). Runs on every
   * init: it registers what is not registered yet and re-applies `OTEL_PROPAGATORS`. Resolves
   * when everything is in place and any warning is printed; never rejects.
   */
  install(env: Readonly<Record<string, string | undefined>>): Promise<void> {
    // Trace context must flow through async work whatever the provider: a logs-only provider
    // still stamps trace ids of spans started elsewhere, and hosts propagate context across hops.
    ensureContextManager();
    const taken: Slot[] = [];
    this.claim('tracer provider', () => trace.setGlobalTracerProvider(this.tracerProvider), taken);
    this.claim('meter provider', () => metrics.setGlobalMeterProvider(this.meterProvider), taken);
    const propagatorReady = this.installPropagator(env.OTEL_PROPAGATORS);
    this.logsRegistration ??= this.registerLogs();
    const logsReady = this.logsRegistration.then((logsTaken) => this.reportTaken(logsTaken ? [...taken, logsTaken] : taken));
    return Promise.all([propagatorReady, logsReady]).then(() => undefined);
  }

  private claim(slot: Slot, register: () => boolean, taken: Slot[]): void {
    if (this.owned.has(slot)) return;
    let ok = false;
    try {
      ok = register();
    } catch {
      ok = false;
    }
    if (ok) this.owned.add(slot);
    else taken.push(slot);
  }

  private async registerLogs(): Promise<Slot | undefined> {
    const logs = await loadLogsApi();
    if (!logs) return undefined;
    const provider = { getLogger: (name: string, version?: string, options?: OtelLoggerOptions) => this.source.getOtelLogger(name, version, options) };
    try {
      // Returns the registered provider: ours, or the one other code registered first.
      const registered: unknown = logs.setGlobalLoggerProvider(provider as Parameters<LogsApi['logs']['setGlobalLoggerProvider']>[0]);
      if (registered === provider) {
        this.owned.add('logger provider');
        return undefined;
      }
    } catch {
      // fall through: treated as taken
    }
    return 'logger provider';
  }

  /** Resolves when the propagators are in effect; never rejects. */
  private installPropagator(value: string | undefined): Promise<void> {
    const choice = parsePropagators(value);
    for (const problem of choice.problems) this.once(problem);
    const { outcome, ready } = applyPropagators(this.propagator, this.owned.has('propagator'), choice.names);
    if (outcome === 'registered') this.owned.add('propagator');
    else if (outcome === 'taken' && value?.trim()) {
      this.once(
        `OTEL_PROPAGATORS=${JSON.stringify(value.trim().slice(0, 100))} is not applied: other code registered a global propagator first, and it stays in use (also by injectTraceContext/extractTraceContext).`,
      );
    }
    return ready.catch((error: unknown) =>
      this.once(`the W3C propagators (@opentelemetry/core) did not load, so no trace context is propagated: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private reportTaken(taken: readonly Slot[]): void {
    const fresh = taken.filter((slot) => !this.warned.has(slot));
    if (fresh.length === 0) return;
    for (const slot of fresh) this.warned.add(slot);
    const apis = fresh.map((slot) => API_OF[slot]).join(', ');
    const plural = fresh.length > 1;
    this.warn(
      `the OpenTelemetry global ${fresh.join(', ')} ${plural ? 'were' : 'was'} already registered by other code in this process ` +
        `(e.g. the application's own NodeSDK) and ${plural ? 'are' : 'is'} kept: ${apis} and stock instrumentations report there, ` +
        `not to the telemetry provider; getTracer()/getMeter()/getLogger() of telemetry-core still do. ` +
        `For one pipeline, keep only one: drop the other registration, or do not call initTelemetry().`,
    );
  }

  private once(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.warn(message);
  }
}
