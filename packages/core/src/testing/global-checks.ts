import assert from 'node:assert/strict';
import { metrics, propagation, ROOT_CONTEXT, trace, type Span } from '@opentelemetry/api';
import { defineProvider, type OtelLogger, type OtelLogRecord, type ProviderInstance, type TelemetryProvider } from '../contract';
import { loadLogsApi } from '../globals';
import { TelemetryConfigManager } from '../manager';
import type { TelemetrySettings } from '../settings';

/** What the global checks need from the suite. */
export interface GlobalCheckContext {
  readonly provider: TelemetryProvider;
  readonly config: unknown;
  readonly settings: Partial<TelemetrySettings> | undefined;
  readonly env: Record<string, string | undefined> | undefined;
  readonly writesLogs: boolean;
  start(): Promise<ProviderInstance>;
  stop(instance: ProviderInstance): Promise<void>;
  readRecords(instance: ProviderInstance): Promise<Record<string, unknown>[]>;
  unique(label: string): string;
}

type LogsApi = NonNullable<Awaited<ReturnType<typeof loadLogsApi>>>;

/** A recording span from `trace.getTracer()`? (a non-recording one when nothing is registered) */
function apiTracing(): boolean {
  const span = trace.getTracer('conformance.probe').startSpan('probe');
  const recording = span.isRecording();
  span.end();
  return recording;
}

/**
 * Calls through to the provider's instance and notes which scopes core asked it for. Only the
 * contract's members, no `checkConnectivity`: the wiring check is not about reachability.
 */
function observed(instance: ProviderInstance) {
  const scopes = { tracer: [] as string[], meter: [] as string[], otelLogger: [] as string[] };
  const emitted: OtelLogRecord[] = [];
  const facade: ProviderInstance = {
    logger: (name) => instance.logger(name),
    tracer: (name, version, options) => (scopes.tracer.push(name), instance.tracer(name, version, options)),
    meter: (name, version, options) => (scopes.meter.push(name), instance.meter(name, version, options)),
    forceFlush: () => instance.forceFlush(),
    shutdown: () => instance.shutdown(),
  };
  if (instance.emit) facade.emit = (record) => instance.emit!(record);
  if (instance.otelLogger) {
    facade.otelLogger = (name, version, options): OtelLogger => {
      scopes.otelLogger.push(name);
      const logger = instance.otelLogger!(name, version, options);
      return {
        emit: (record) => (emitted.push(record), logger.emit(record)),
        enabled: (options) => (typeof logger.enabled === 'function' ? logger.enabled(options) : true),
      };
    };
  }
  return { facade, scopes, emitted };
}

/** The checks about the OpenTelemetry API globals; the suite runs them first and last. */
export function buildGlobalChecks(c: GlobalCheckContext): { first: { name: string; run(): Promise<void> }; last: { name: string; run(): Promise<void> } } {
  const first = {
    name: 'create() leaves the OpenTelemetry globals to core',
    async run() {
      const logs = await loadLogsApi();
      const snapshot = () => ({
        tracing: apiTracing(),
        meterProvider: metrics.getMeterProvider(),
        propagators: propagation.fields().join(','),
        loggerProvider: logs?.getLoggerProvider(),
      });
      const before = snapshot();
      const instance = await c.start();
      const after = snapshot();
      await c.stop(instance);
      const advice = 'core registers the API globals, the propagator (OTEL_PROPAGATORS) and the context manager at initTelemetry; a provider must not';
      assert.equal(after.tracing, before.tracing, `create() registered a global tracer provider: ${advice}`);
      assert.equal(after.meterProvider, before.meterProvider, `create() registered a global meter provider: ${advice}`);
      assert.equal(after.propagators, before.propagators, `create() registered a global propagator: ${advice}`);
      assert.equal(after.loggerProvider, before.loggerProvider, `create() registered a global logger provider: ${advice}`);
    },
  };

  const last = {
    name: 'once core binds it, trace, metrics, logs and propagation of the API hand out its pipeline',
    async run() {
      let real: ProviderInstance | undefined;
      let seen: ReturnType<typeof observed> | undefined;
      const wrapper = defineProvider({
        meta: c.provider.meta,
        configSchema: c.provider.configSchema,
        async create(config, ctx) {
          real = await c.provider.create(config as never, { ...ctx, settings: { ...ctx.settings, ...c.settings } });
          seen = observed(real);
          return seen.facade;
        },
      });
      // The process's own manager: the globals are process-wide. Shut down at the end.
      const manager = TelemetryConfigManager.instance();
      const config = { plugins: { telemetry: { provider: c.provider.meta.name, config: c.config ?? {} } } };
      try {
        const status = await manager.init({ provider: wrapper, config, env: c.env ?? {}, installShutdownHooks: false, createTimeoutMs: 10_000 });
        assert.equal(status.state, 'active', `initTelemetry with the provider did not become active: ${status.reason ?? status.state}`);
        assert.ok(real && seen);
        await checkTracing(real, seen);
        checkMetrics(seen);
        await checkLogs(real, seen);
      } finally {
        await manager.shutdown({ timeoutMs: 10_000 });
      }
      assert.equal(apiTracing(), false, 'after shutdown, trace.getTracer() must hand out no-op (non-recording) spans');
    },
  };

  const taken = 'trace.getTracer() does not reach the provider: is another tracer provider registered globally in this process?';

  async function checkTracing(real: ProviderInstance, seen: ReturnType<typeof observed>): Promise<void> {
    const direct = real.tracer('conformance.direct').startSpan('direct');
    const hasTracing = direct.isRecording();
    direct.end();
    const scope = c.unique('globals.tracer');
    const carrier: Record<string, string> = {};
    trace.getTracer(scope).startActiveSpan('global span', (span: Span) => {
      assert.equal(span.isRecording(), hasTracing, `a span from trace.getTracer() must record exactly when the provider's own tracer does (${hasTracing})`);
      if (hasTracing) {
        const child = real.tracer('conformance.direct').startSpan('child of the global span');
        assert.equal(child.spanContext().traceId, span.spanContext().traceId, "the provider's tracer must continue the trace of a span from trace.getTracer()");
        child.end();
        propagation.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, { set: (target, key, value) => void ((target as Record<string, string>)[key] = value) });
        assert.equal(carrier.traceparent?.split('-')[2], span.spanContext().spanId, 'propagation.inject() must write the W3C traceparent of the span (OTEL_PROPAGATORS unset)');
      }
      span.end();
    });
    assert.ok(seen.scopes.tracer.includes(scope), taken);
  }

  function checkMetrics(seen: ReturnType<typeof observed>): void {
    const scope = c.unique('globals.meter');
    metrics.getMeter(scope).createCounter('conformance_global_total').add(1);
    assert.ok(seen.scopes.meter.includes(scope), 'metrics.getMeter() does not reach the provider: is another meter provider registered globally in this process?');
  }

  async function checkLogs(real: ProviderInstance, seen: ReturnType<typeof observed>): Promise<void> {
    const logs = await loadLogsApi();
    if (!logs) return; // no @opentelemetry/api-logs installed: no logs global to check
    const scope = c.unique('globals.logger');
    const event = c.unique('global-record');
    const record: OtelLogRecord = { severityNumber: 13, severityText: 'WARN', body: event, attributes: { 'conformance.key': 'v' } };
    logs.getLogger(scope).emit(record as Parameters<ReturnType<LogsApi['getLogger']>['emit']>[0]);
    if (real.otelLogger) {
      assert.ok(seen.scopes.otelLogger.includes(scope), 'logs.getLogger() does not reach the provider\'s otelLogger: is another logger provider registered globally?');
      assert.equal(seen.emitted.at(-1), record, "a record from logs.getLogger().emit() must reach the provider's otelLogger as it is");
      return;
    }
    if (!c.writesLogs) return;
    const [written] = (await c.readRecords(real)).filter((r) => r.event === event);
    assert.ok(written, 'a record from logs.getLogger().emit() was not written (core hands it to emit() or logger())');
    assert.equal(written.level, 'WARNING', 'a WARN record from the logs API must be written at WARNING');
    assert.equal(written.logger, scope, 'the logs API logger name must be the record logger');
    assert.equal(written['conformance.key'], 'v', 'the API record attributes must be written as fields');
  }

  return { first, last };
}
