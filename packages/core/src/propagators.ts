import { propagation, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import type { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

type OtelCore = {
  CompositePropagator: typeof CompositePropagator;
  W3CBaggagePropagator: typeof W3CBaggagePropagator;
  W3CTraceContextPropagator: typeof W3CTraceContextPropagator;
};

let otelCore: Promise<OtelCore> | undefined;

/**
 * `@opentelemetry/core` (the W3C propagators), loaded at the first init rather than at import:
 * loading it costs tens of ms of CPU (mostly the semantic conventions it pulls in), which a
 * process that imports core without starting telemetry (a CLI command, a library) never pays.
 */
function loadOtelCore(): Promise<OtelCore> {
  otelCore ??= import('@opentelemetry/core').then((mod) =>
    'W3CTraceContextPropagator' in mod ? mod : (mod as unknown as { default: OtelCore }).default,
  );
  return otelCore;
}

/** The `OTEL_PROPAGATORS` names core builds in (the specification's default is `tracecontext,baggage`). */
export type PropagatorName = 'tracecontext' | 'baggage';

/** Standard names whose propagators live in their own packages; named in the warning. */
const ELSEWHERE: Readonly<Record<string, string>> = {
  b3: '@opentelemetry/propagator-b3',
  b3multi: '@opentelemetry/propagator-b3',
  jaeger: '@opentelemetry/propagator-jaeger',
  xray: '@opentelemetry/propagator-aws-xray',
  ottrace: '@opentelemetry/propagator-ot-trace',
};

export interface PropagatorChoice {
  /** The propagators to use, in order; empty for `none`. */
  readonly names: readonly PropagatorName[];
  /** One sentence per name that was ignored (unknown, or not built in). */
  readonly problems: readonly string[];
}

/**
 * Reads `OTEL_PROPAGATORS` (comma-separated, case-insensitive): `tracecontext`, `baggage`, `none`.
 * Unset or blank means the specification's default `tracecontext,baggage`; `none` anywhere means
 * no propagator. Other names are ignored, each with a problem sentence; when nothing usable is
 * left, the default applies (a typo must not silently cut every trace at the gateway).
 */
export function parsePropagators(value: string | undefined): PropagatorChoice {
  const raw = (value ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
  if (raw.length === 0) return { names: ['tracecontext', 'baggage'], problems: [] };
  const problems: string[] = [];
  if (raw.includes('none')) {
    const others = raw.filter((name) => name !== 'none');
    if (others.length > 0) problems.push(`OTEL_PROPAGATORS: "none" turns propagation off, so ${others.map((n) => `"${n}"`).join(', ')} ${others.length === 1 ? 'is' : 'are'} ignored`);
    return { names: [], problems };
  }
  const names: PropagatorName[] = [];
  for (const name of raw) {
    if (name === 'tracecontext' || name === 'baggage') {
      if (!names.includes(name)) names.push(name);
    } else if (Object.hasOwn(ELSEWHERE, name)) {
      problems.push(
        `OTEL_PROPAGATORS: "${name}" is not built in; ignoring it (install ${ELSEWHERE[name]} and register it with propagation.setGlobalPropagator() before initTelemetry())`,
      );
    } else {
      problems.push(`OTEL_PROPAGATORS: unknown propagator ${JSON.stringify(name.slice(0, 64))} ignored (known: tracecontext, baggage, none)`);
    }
  }
  if (names.length === 0) {
    problems.push('OTEL_PROPAGATORS named no usable propagator; using the default tracecontext,baggage');
    return { names: ['tracecontext', 'baggage'], problems };
  }
  return { names, problems };
}

const NOOP_PROPAGATOR: TextMapPropagator = {
  inject() {},
  extract: (context) => context,
  fields: () => [],
};

function build(core: OtelCore, names: readonly PropagatorName[]): TextMapPropagator {
  const propagators = names.map((name) => (name === 'tracecontext' ? new core.W3CTraceContextPropagator() : new core.W3CBaggagePropagator()));
  if (propagators.length === 0) return NOOP_PROPAGATOR;
  if (propagators.length === 1) return propagators[0]!;
  return new core.CompositePropagator({ propagators });
}

/**
 * The propagator core registers as the global one, once per process: the API's global
 * propagator is set-once, so a re-init with another `OTEL_PROPAGATORS` swaps what this one
 * delegates to instead of registering again. The W3C propagators are `@opentelemetry/core`'s.
 */
export class ConfiguredPropagator implements TextMapPropagator {
  private delegate: TextMapPropagator = NOOP_PROPAGATOR;
  private chosen = '';

  /** Names in use, comma-separated (`''` for none). */
  get names(): string {
    return this.chosen;
  }

  /** Switches to `names`; resolves once they are in effect (a later call wins). Rejects only if `@opentelemetry/core` cannot load. */
  async use(names: readonly PropagatorName[]): Promise<void> {
    const key = names.join(',');
    this.chosen = key;
    if (names.length === 0) {
      this.delegate = NOOP_PROPAGATOR;
      return;
    }
    const core = await loadOtelCore();
    if (this.chosen === key) this.delegate = build(core, names);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    this.delegate.inject(context, carrier, setter);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.delegate.extract(context, carrier, getter);
  }

  fields(): string[] {
    return this.delegate.fields();
  }
}

/**
 * Applies `OTEL_PROPAGATORS` to the process: registers `propagator` as the global propagator
 * the first time there is something to propagate, or swaps its delegate later. `outcome` is
 * `'registered'` (ours is the global one), `'none'` (nothing to register yet) or `'taken'`
 * (other code registered its own global propagator first; it is kept and used); `ready`
 * resolves when the propagators are in effect.
 */
export function applyPropagators(
  propagator: ConfiguredPropagator,
  registered: boolean,
  names: readonly PropagatorName[],
): { outcome: 'registered' | 'none' | 'taken'; ready: Promise<void> } {
  const ready = propagator.use(names);
  if (registered) return { outcome: 'registered', ready };
  // `none` before anything was registered: leave the API's no-op propagator (and the slot) alone.
  if (names.length === 0) return { outcome: 'none', ready };
  return { outcome: propagation.setGlobalPropagator(propagator) ? 'registered' : 'taken', ready };
}
