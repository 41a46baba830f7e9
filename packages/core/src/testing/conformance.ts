import assert from 'node:assert/strict';
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { context as contextApi, ROOT_CONTEXT, SpanStatusCode, trace, TraceFlags, type Span } from '@opentelemetry/api';
import satisfies from 'semver/functions/satisfies.js';
import validVersion from 'semver/functions/valid.js';
import validRange from 'semver/ranges/valid.js';
import { DEFAULT_TELEMETRY_SETTINGS } from '../config/resolve';
import { ensureContextManager } from '../context';
import { isTelemetryProvider, type ProviderContext, type ProviderInstance, type TelemetryLogger, type TelemetryProvider } from '../contract';
import { createDiagnostics } from '../diagnostics';
import { buildGlobalChecks } from './global-checks';
import type { TelemetrySettings } from '../settings';
import { CORE_VERSION } from '../version';

/** How the conformance suite drives a provider. */
export interface ConformanceHarness {
  /** The raw `plugins.telemetry.config` passed to the provider (validated by its configSchema). */
  config?: unknown;
  /**
   * The raw provider config for the "writes nothing to stdout when the host reserves it" check
   * (default: `config`). Give it the most dangerous one, e.g. `{ destination: 'stdout' }`, when
   * the normal harness config logs to a file, so the check proves stdoutReserved wins.
   */
  stdoutCheckConfig?: unknown;
  /** Settings over the defaults (e.g. a test endpoint). */
  settings?: Partial<TelemetrySettings>;
  /** `ctx.env` for the provider (default: empty, so the host's OTEL_* do not leak in). */
  env?: Record<string, string | undefined>;
  /**
   * The JSON-line objects the instance has written so far (`{ time, level, logger, event, ...,
   * trace_id, span_id }`); the suite calls `forceFlush()` first.
   */
  readLogs(instance: ProviderInstance): Promise<Record<string, unknown>[]> | Record<string, unknown>[];
  /** False for providers that write no log records at all (the no-op one): the record checks then assert none appear. */
  writesLogs?: boolean;
  /** Deadline for create, forceFlush and shutdown (default 5000 ms). */
  deadlineMs?: number;
}

// The last check ("the API globals hand out its pipeline") runs initTelemetry on the process's own
// manager with the provider (connectivity check left out) and shuts it down afterwards.

export interface ConformanceResult {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: Error;
}

interface Check {
  readonly name: string;
  run(): Promise<void>;
}

type Describe = (name: string, body: () => void) => unknown;
type It = (name: string, body: () => Promise<void>, timeout?: number) => unknown;

const REMOTE_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const REMOTE_SPAN_ID = '00f067aa0ba902b7';

let sequence = 0;
const unique = (label: string): string => `conformance.${label}.${process.pid}.${Date.now().toString(36)}.${(sequence += 1)}`;

async function within<T>(promise: () => T | Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(promise),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new assert.AssertionError({ message: `${what} did not finish within ${ms} ms` })), ms);
        timer.unref?.();
      }),
    ]);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

function buildChecks(provider: TelemetryProvider, harness: ConformanceHarness): Check[] {
  const deadline = harness.deadlineMs ?? 5000;
  const writesLogs = harness.writesLogs !== false;
  const name = (provider as Partial<TelemetryProvider>)?.meta?.name ?? 'provider';

  const start = async (overrides: Partial<TelemetrySettings> = {}, stdoutReserved = false, rawConfig: unknown = harness.config, configName = 'harness.config'): Promise<ProviderInstance> => {
    const settings: TelemetrySettings = { ...DEFAULT_TELEMETRY_SETTINGS, provider: name, ...harness.settings, ...overrides };
    let config: unknown = rawConfig ?? {};
    if (provider.configSchema) {
      const result = await provider.configSchema['~standard'].validate(config);
      if (result.issues) {
        assert.fail(`configSchema rejected ${configName}: ${result.issues.map((i) => i.message).join('; ')}`);
      }
      config = result.value;
    }
    const ctx: ProviderContext = {
      settings,
      stdoutReserved,
      configDir: process.cwd(),
      env: harness.env ?? {},
      diagnostics: createDiagnostics({ source: `${name} (conformance)` }),
      serviceVersion: '0.0.0-conformance',
    };
    const instance = await within(() => provider.create(config as never, ctx), deadline, 'create()');
    assert.ok(instance && typeof instance === 'object', 'create() must return an instance object');
    return instance;
  };

  const stop = async (instance: ProviderInstance): Promise<void> => {
    await within(() => instance.shutdown(), deadline, 'shutdown()');
  };

  const readRecords = async (instance: ProviderInstance): Promise<Record<string, unknown>[]> => {
    await within(() => instance.forceFlush(), deadline, 'forceFlush()');
    const records = await harness.readLogs(instance);
    assert.ok(Array.isArray(records), 'harness.readLogs must return an array');
    return records;
  };

  const find = (records: Record<string, unknown>[], event: string) => records.filter((r) => r.event === event);

  const withInstance = async (fn: (instance: ProviderInstance) => Promise<void>, overrides?: Partial<TelemetrySettings>) => {
    const instance = await start(overrides);
    try {
      await fn(instance);
    } finally {
      await stop(instance);
    }
  };

  // The globals checks: "leaves the globals to core" must run before any init registers them,
  // "hands out its pipeline" initialises the process's telemetry, so it runs last.
  const globals = buildGlobalChecks({
    provider,
    config: harness.config,
    settings: harness.settings,
    env: harness.env,
    writesLogs,
    start: () => start(),
    stop,
    readRecords,
    unique,
  });

  return [
    {
      name: 'meta has name, version and a core range that accepts this core',
      async run() {
        assert.ok(isTelemetryProvider(provider), 'the provider must be made with defineProvider()');
        assert.ok(provider.meta.name.trim().length > 0, 'meta.name must not be empty');
        assert.ok(validVersion(provider.meta.version), `meta.version must be a semver version, got "${provider.meta.version}"`);
        assert.ok(validRange(provider.meta.core), `meta.core must be a semver range, got "${provider.meta.core}"`);
        assert.ok(
          satisfies(CORE_VERSION, provider.meta.core, { includePrerelease: true }),
          `meta.core "${provider.meta.core}" does not accept @secure-mcp-gateway/telemetry-core ${CORE_VERSION}`,
        );
      },
    },
    globals.first,
    {
      name: 'create returns the full interface',
      async run() {
        await withInstance(async (instance) => {
          for (const key of ['logger', 'tracer', 'meter', 'forceFlush', 'shutdown'] as const) {
            assert.equal(typeof instance[key], 'function', `instance.${key} must be a function`);
          }
          for (const key of ['checkConnectivity', 'emit', 'stats', 'otelLogger'] as const) {
            if (instance[key] !== undefined) assert.equal(typeof instance[key], 'function', `instance.${key}, when present, must be a function`);
          }
          const logger = instance.logger('conformance.shape');
          assert.equal(logger.name, 'conformance.shape', 'logger.name must be the name given');
          for (const key of ['debug', 'info', 'warn', 'error', 'critical', 'log', 'child', 'isLevelEnabled'] as const) {
            assert.equal(typeof logger[key], 'function', `logger.${key} must be a function`);
          }
          const tracer = instance.tracer('conformance');
          assert.equal(typeof tracer?.startSpan, 'function', 'tracer.startSpan must be a function');
          assert.equal(typeof tracer?.startActiveSpan, 'function', 'tracer.startActiveSpan must be a function');
          const meter = instance.meter('conformance');
          for (const key of ['createCounter', 'createUpDownCounter', 'createHistogram', 'createGauge', 'createObservableCounter', 'createObservableUpDownCounter', 'createObservableGauge', 'addBatchObservableCallback', 'removeBatchObservableCallback'] as const) {
            assert.equal(typeof meter?.[key], 'function', `meter.${key} must be a function`);
          }
          if (instance.checkConnectivity) {
            const result = await within(() => instance.checkConnectivity!(1000), 1000 + deadline, 'checkConnectivity(1000)');
            assert.equal(typeof result?.ok, 'boolean', 'checkConnectivity() must resolve to { ok: boolean, detail }');
            assert.equal(typeof result.detail, 'string', 'checkConnectivity() must resolve to { ok, detail: string }');
          }
          if (instance.stats) assert.equal(typeof instance.stats(), 'object', 'stats() must return an object');
        });
      },
    },
    {
      name: 'filters records below the configured level',
      async run() {
        await withInstance(
          async (instance) => {
            const logger = instance.logger('conformance.levels');
            const [debug, info, warning, error, critical] = ['debug', 'info', 'warning', 'error', 'critical'].map(unique) as [string, string, string, string, string];
            logger.debug(debug);
            logger.info(info);
            logger.warn(warning);
            logger.error(error);
            logger.critical(critical);
            logger.log('INFO', info);
            const records = await readRecords(instance);
            assert.equal(find(records, debug).length, 0, 'a DEBUG record passed a WARNING threshold');
            assert.equal(find(records, info).length, 0, 'an INFO record passed a WARNING threshold');
            if (!writesLogs) {
              assert.equal(records.length, 0, 'a provider declared as writing no logs wrote some');
              return;
            }
            assert.equal(logger.isLevelEnabled('INFO'), false, 'isLevelEnabled("INFO") must be false at WARNING');
            assert.equal(logger.isLevelEnabled('ERROR'), true, 'isLevelEnabled("ERROR") must be true at WARNING');
            for (const [event, level] of [[warning, 'WARNING'], [error, 'ERROR'], [critical, 'CRITICAL']] as const) {
              const [record] = find(records, event);
              assert.ok(record, `the ${level} record was not written`);
              assert.equal(record.level, level, `record.level must be "${level}"`);
              assert.equal(record.logger, 'conformance.levels', 'record.logger must be the logger name');
              assert.ok(typeof record.time === 'string' && !Number.isNaN(Date.parse(record.time)), 'record.time must be an ISO date string');
            }
          },
          { logLevel: 'WARNING' },
        );
      },
    },
    {
      name: 'child bindings are carried on records',
      async run() {
        await withInstance(async (instance) => {
          const parent = instance.logger('conformance.child');
          const child = parent.child({ request_id: 'r-1' }).child({ tool: 'echo' });
          const fromChild = unique('child');
          const fromParent = unique('parent');
          child.info(fromChild, { attempt: 2 });
          parent.info(fromParent);
          const records = await readRecords(instance);
          if (!writesLogs) {
            assert.equal(records.length, 0, 'a provider declared as writing no logs wrote some');
            return;
          }
          const [c] = find(records, fromChild);
          assert.ok(c, 'the child logger record was not written');
          assert.equal(c.request_id, 'r-1', 'outer child binding missing');
          assert.equal(c.tool, 'echo', 'inner child binding missing');
          assert.equal(c.attempt, 2, 'record fields missing');
          const [p] = find(records, fromParent);
          assert.ok(p, 'the parent logger record was not written');
          assert.equal(p.request_id, undefined, "a child's bindings leaked into its parent");
        });
      },
    },
    {
      name: 'records written inside a span carry its trace and span ids',
      async run() {
        ensureContextManager();
        await withInstance(async (instance) => {
          const logger = instance.logger('conformance.trace');
          const tracer = instance.tracer('conformance');
          const inside = unique('inside');
          const outside = unique('outside');
          const parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: REMOTE_TRACE_ID, spanId: REMOTE_SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
          let spanId = '';
          tracer.startActiveSpan('conformance span', {}, parent, (span: Span) => {
            spanId = span.spanContext().spanId;
            logger.info(inside);
            span.end();
          });
          contextApi.with(ROOT_CONTEXT, () => logger.info(outside));
          const records = await readRecords(instance);
          if (!writesLogs) {
            assert.equal(records.length, 0, 'a provider declared as writing no logs wrote some');
            return;
          }
          const [r] = find(records, inside);
          assert.ok(r, 'the record written inside the span was not written');
          assert.equal(r.trace_id, REMOTE_TRACE_ID, 'record.trace_id must be the active span\'s trace id');
          assert.equal(r.span_id, spanId, 'record.span_id must be the active span\'s id');
          const [o] = find(records, outside);
          assert.ok(o, 'the record written outside any span was not written');
          assert.equal(o.trace_id, undefined, 'a record written outside any span must carry no trace_id');
        });
      },
    },
    {
      name: 'tracer and meter are usable',
      async run() {
        ensureContextManager();
        await withInstance(async (instance) => {
          const tracer = instance.tracer('conformance', '1.0.0');
          const value = tracer.startActiveSpan('outer', (outer) => {
            outer.setAttribute('conformance', true);
            const inner = tracer.startSpan('inner', { attributes: { n: 1 } });
            inner.addEvent('step', { ok: true });
            inner.recordException(new Error('conformance'));
            inner.setStatus({ code: SpanStatusCode.ERROR, message: 'conformance' });
            inner.end();
            outer.end();
            return 42;
          });
          assert.equal(value, 42, 'startActiveSpan must return what its callback returns');
          const meter = instance.meter('conformance', '1.0.0');
          meter.createCounter('conformance_counter_total').add(1, { k: 'v' });
          meter.createUpDownCounter('conformance_updown').add(-1);
          meter.createHistogram('conformance_duration_seconds', { unit: 's' }).record(0.25, { k: 'v' });
          meter.createGauge('conformance_gauge').record(3);
          const observable = meter.createObservableGauge('conformance_observable');
          const callback = (result: { observe(value: number): void }) => result.observe(1);
          observable.addCallback(callback);
          const batch = () => undefined;
          meter.addBatchObservableCallback(batch, [observable]);
          await within(() => instance.forceFlush(), deadline, 'forceFlush()');
          meter.removeBatchObservableCallback(batch, [observable]);
          observable.removeCallback(callback);
        });
      },
    },
    {
      name: 'forceFlush and shutdown are idempotent and finish within the deadline',
      async run() {
        const instance = await start();
        instance.logger('conformance.lifecycle').warn(unique('lifecycle'));
        await within(() => instance.forceFlush(), deadline, 'forceFlush()');
        await within(() => instance.forceFlush(), deadline, 'a second forceFlush()');
        await within(() => Promise.all([instance.shutdown(), instance.shutdown()]), deadline, 'two concurrent shutdown() calls');
        await within(() => instance.shutdown(), deadline, 'shutdown() after shutdown()');
        await within(() => instance.forceFlush(), deadline, 'forceFlush() after shutdown()');
        // Writing after shutdown must not throw.
        instance.logger('conformance.lifecycle').error(unique('after-shutdown'));
      },
    },
    {
      name: 'writes nothing to stdout when the host reserves it',
      async run() {
        ensureContextManager();
        const captured: string[] = [];
        const original = process.stdout.write;
        process.stdout.write = ((chunk: unknown, ...rest: unknown[]) => {
          captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
          const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
          cb?.();
          return true;
        }) as typeof process.stdout.write;
        // A provider may bypass process.stdout and write to fd 1 directly (as fast loggers do),
        // so the fs write functions are watched for fd 1 too.
        const restoreFs = interceptFdWrites(1, (text) => captured.push(text));
        let stopError: unknown;
        try {
          const useStdoutConfig = harness.stdoutCheckConfig !== undefined;
          const instance = await start(
            { logLevel: 'DEBUG' },
            true,
            useStdoutConfig ? harness.stdoutCheckConfig : harness.config,
            useStdoutConfig ? 'harness.stdoutCheckConfig' : 'harness.config',
          );
          try {
            const logger: TelemetryLogger = instance.logger('conformance.stdout');
            for (const level of ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const) logger.log(level, unique('stdout'), { level_name: level });
            instance.tracer('conformance').startActiveSpan('stdout span', (span) => {
              logger.info(unique('stdout-span'));
              span.end();
            });
            instance.meter('conformance').createCounter('conformance_stdout_total').add(1);
            await within(() => instance.forceFlush(), deadline, 'forceFlush()');
          } finally {
            await stop(instance).catch((error: unknown) => {
              stopError = error;
            });
          }
        } finally {
          process.stdout.write = original;
          restoreFs();
        }
        assert.equal(captured.join(''), '', `the provider wrote to stdout although stdoutReserved was true: ${JSON.stringify(captured.join('').slice(0, 200))}`);
        if (stopError) throw stopError;
      },
    },
    globals.last,
  ];
}

/**
 * Registers the provider conformance suite with any runner's `describe`/`it` (vitest, node:test,
 * mocha, jest). Every provider package runs it in its own tests.
 */
export function describeProviderConformance(
  provider: TelemetryProvider,
  options: { describe: Describe; it: It; harness: ConformanceHarness },
): void {
  const checks = buildChecks(provider, options.harness);
  const timeout = (options.harness.deadlineMs ?? 5000) * 3 + 2000;
  options.describe(`telemetry provider conformance: ${(provider as Partial<TelemetryProvider>)?.meta?.name ?? 'provider'}`, () => {
    for (const check of checks) options.it(check.name, () => check.run(), timeout);
  });
}

/** Runs the same checks programmatically; never throws: each result says ok or the failure. */
export async function runProviderConformance(provider: TelemetryProvider, options: { harness: ConformanceHarness }): Promise<ConformanceResult[]> {
  const results: ConformanceResult[] = [];
  for (const check of buildChecks(provider, options.harness)) {
    try {
      await check.run();
      results.push({ name: check.name, ok: true });
    } catch (error) {
      results.push({ name: check.name, ok: false, error: error instanceof Error ? error : new Error(String(error)) });
    }
  }
  return results;
}

type FsWriteName = 'writeSync' | 'write' | 'writev' | 'writevSync';

/** Captures what the `fs` write functions send to `fd`; returns the function that restores them. */
function interceptFdWrites(fd: number, capture: (text: string) => void): () => void {
  const mutableFs = fs as unknown as Record<FsWriteName, (...args: unknown[]) => unknown>;
  const originals = new Map<FsWriteName, (...args: unknown[]) => unknown>();
  const toText = (data: unknown): string =>
    typeof data === 'string' ? data : ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8') : String(data);
  const byteLength = (data: unknown): number => (typeof data === 'string' ? Buffer.byteLength(data) : ArrayBuffer.isView(data) ? data.byteLength : 0);
  for (const name of ['writeSync', 'write', 'writev', 'writevSync'] as const) {
    const original = mutableFs[name];
    originals.set(name, original);
    mutableFs[name] = function (this: unknown, ...args: unknown[]): unknown {
      if (args[0] !== fd) return original.apply(this, args);
      const isVector = name === 'writev' || name === 'writevSync';
      const chunks = isVector ? (args[1] as unknown[]) : [args[1]];
      for (const chunk of chunks) capture(toText(chunk));
      const written = chunks.reduce<number>((sum, chunk) => sum + byteLength(chunk), 0);
      const callback = args.find((arg) => typeof arg === 'function') as ((err: null, n: number) => void) | undefined;
      if (callback) queueMicrotask(() => callback(null, written));
      return written;
    };
  }
  syncBuiltinESMExports();
  return () => {
    for (const [name, original] of originals) mutableFs[name] = original;
    syncBuiltinESMExports();
  };
}
