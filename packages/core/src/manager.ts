import { dirname, resolve } from 'node:path';
import { context as contextApi, ROOT_CONTEXT, trace, type Meter, type MeterOptions, type Tracer } from '@opentelemetry/api';
import { ConfigError, formatPath, type ConfigIssue } from './config/errors';
import { ensureParsedConfig, loadGatewayConfig } from './config/load';
import { resolveTelemetrySettings } from './config/resolve';
import type { GatewayConfig } from './config/schema';
import { activeTraceIds, ensureContextManager } from './context';
import {
  isTelemetryProvider,
  type LogFields,
  type LogRecord,
  type ProviderContext,
  type ProviderInstance,
  type ProviderStats,
  type TelemetryDiagnostics,
  type TelemetryLogger,
  type TelemetryProvider,
} from './contract';
import { createDiagnostics, writeStderr } from './diagnostics';
import { stderrFallbackNote } from './fallback-notice';
import { checkProviderCompatibility, loadProvider } from './discovery';
import { isLevelEnabled, LOG_LEVEL_SEVERITY, type LogLevel } from './levels';
import { formatLogRecord } from './logger';
import { LateBindingMeter, LateBindingTracer, type BindingSource } from './proxies';
import { REDACTED, redactSecrets, safeUrl, scrubUrls } from './secrets';
import type { TelemetrySettings } from './settings';

export interface TelemetryInitOptions {
  /** Path of `enkrypt_mcp_config.json` (relative to `cwd`). */
  configPath?: string;
  /** Or the parsed JSON (or its text) itself; with `configPath` too, that file's folder anchors relative paths. */
  config?: unknown;
  /** Default process.env (`OTEL_*` overrides, `ENKRYPT_TELEMETRY_PROVIDER`). */
  env?: Record<string, string | undefined>;
  /** Overrides `plugins.telemetry.provider` (and `ENKRYPT_TELEMETRY_PROVIDER`): a spec or a provider object. */
  provider?: string | TelemetryProvider;
  /** The host serves MCP over stdio: providers must write nothing to stdout. */
  stdoutReserved?: boolean;
  cwd?: string;
  serviceVersion?: string;
  /** SIGINT/SIGTERM/beforeExit flush-and-shutdown, installed once (default true). */
  installShutdownHooks?: boolean;
  /** Deadline for the provider's `create()` (default 5000 ms). */
  createTimeoutMs?: number;
  /** Deadline for shutdown from the hooks and for replacing a previous init (default 5000 ms). */
  shutdownTimeoutMs?: number;
  /** Throw configuration and provider errors instead of falling back to no-op (default false). */
  strict?: boolean;
}

export type TelemetryState = 'uninitialised' | 'active' | 'noop' | 'waiting';

export interface TelemetryStatus {
  /** waiting: the backend is unreachable; telemetry is no-op and re-checked in the background. */
  state: TelemetryState;
  provider?: string;
  /** The one clear warning, when noop/waiting. */
  reason?: string;
  settings?: TelemetrySettings;
}

export type TelemetryStatusListener = (status: TelemetryStatus) => void;

const MANAGER_KEY = Symbol.for('secure-mcp-gateway.telemetry-manager');
const DEFAULT_CREATE_TIMEOUT_MS = 5000;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5000;
const DEFAULT_BUFFER_LIMIT = 1000;

type Outcome<T> = { ok: true; value: T } | { ok: false; timedOut: true } | { ok: false; timedOut: false; error: unknown };

/**
 * Races `work` against a deadline: never hangs. The timer is ref'd (unless `keepAlive` is false)
 * so that a host awaiting us while `work` waits on a promise that never settles does not exit
 * with an unsettled top-level await; it is cleared as soon as `work` settles, so it holds the
 * process for at most `timeoutMs` and never after.
 */
function withDeadline<T>(
  work: () => T | Promise<T>,
  timeoutMs: number,
  options: { onLate?: (value: T) => void; keepAlive?: boolean } = {},
): Promise<Outcome<T>> {
  const { onLate, keepAlive = true } = options;
  return new Promise((done) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      done({ ok: false, timedOut: true });
    }, Math.max(0, timeoutMs));
    if (!keepAlive) timer.unref?.();
    let pending: Promise<T>;
    try {
      pending = Promise.resolve(work());
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        if (settled) {
          onLate?.(value);
          return;
        }
        settled = true;
        clearTimeout(timer);
        done({ ok: true, value });
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        done({ ok: false, timedOut: false, error });
      },
    );
  });
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message.replace(/\.$/, '');
  return String(error);
}

/** A logger usable at import time; it binds to the provider when telemetry is up (see `getLogger`). */
class LazyLogger implements TelemetryLogger {
  private generation = -1;
  private delegate: TelemetryLogger | undefined;

  constructor(
    private readonly manager: TelemetryConfigManager,
    readonly name: string,
    /** All bindings, outermost first (what buffered records carry). */
    private readonly bindings: LogFields | undefined,
    /** The logger this is a child of, and the bindings it adds: binding reuses the parent's real logger. */
    private readonly parent?: LazyLogger,
    private readonly own?: LogFields,
  ) {}

  /** @internal The bound provider logger, or undefined while telemetry is not active. */
  target(): TelemetryLogger | undefined {
    const generation = this.manager.generation;
    if (generation !== this.generation) {
      this.generation = generation;
      try {
        if (this.parent) {
          this.delegate = this.parent.target()?.child(this.own ?? {});
        } else {
          const logger = this.manager.bound?.logger(this.name);
          this.delegate = logger && this.bindings ? logger.child(this.bindings) : logger;
        }
      } catch {
        this.delegate = undefined;
      }
    }
    return this.delegate;
  }

  log(level: LogLevel, event: string, fields?: LogFields): void {
    const target = this.target();
    if (target) {
      try {
        target.log(level, event, fields);
      } catch {
        // a failing provider must not break the caller
      }
      return;
    }
    this.manager.writeUnbound(level, this.name, this.bindings, event, fields);
  }

  debug(event: string, fields?: LogFields): void {
    this.log('DEBUG', event, fields);
  }
  info(event: string, fields?: LogFields): void {
    this.log('INFO', event, fields);
  }
  warn(event: string, fields?: LogFields): void {
    this.log('WARNING', event, fields);
  }
  error(event: string, fields?: LogFields): void {
    this.log('ERROR', event, fields);
  }
  critical(event: string, fields?: LogFields): void {
    this.log('CRITICAL', event, fields);
  }

  child(bindings: LogFields): TelemetryLogger {
    return new LazyLogger(this.manager, this.name, { ...this.bindings, ...bindings }, this, { ...bindings });
  }

  isLevelEnabled(level: LogLevel): boolean {
    const target = this.target();
    if (target) return target.isLevelEnabled(level);
    return this.manager.unboundLevelEnabled(level);
  }
}

/**
 * The one owner of the telemetry lifecycle in a process (`TelemetryConfigManager.instance()`,
 * shared through `Symbol.for` by every copy of core). Validates config, loads the provider,
 * checks connectivity, falls back to no-op with one clear warning, and owns flush/shutdown.
 */
export class TelemetryConfigManager implements BindingSource {
  /** The process-wide manager. */
  static instance(): TelemetryConfigManager {
    const holder = globalThis as unknown as Record<symbol, TelemetryConfigManager | undefined>;
    let manager = holder[MANAGER_KEY];
    if (!manager) {
      manager = new TelemetryConfigManager();
      Object.defineProperty(globalThis, MANAGER_KEY, { value: manager, configurable: true, enumerable: false, writable: false });
    }
    return manager;
  }

  /** Changes on every (re)bind; proxies compare it to know when to re-bind. */
  generation = 0;
  /** @internal The active provider instance, when state is `active`. Use `providerStats()` from outside. */
  bound: ProviderInstance | undefined;

  private current: TelemetryStatus = { state: 'uninitialised' };
  private readonly listeners = new Set<TelemetryStatusListener>();
  private readonly loggers = new Map<string, LazyLogger>();
  private readonly tracers = new Map<string, LateBindingTracer>();
  private readonly meters = new Map<string, LateBindingMeter>();
  private pending: LogRecord[] = [];
  /** Buffered records already printed to stderr while waiting for the backend. */
  private printed = new WeakSet<LogRecord>();
  private droppedBeforeInit = 0;
  private readonly bufferLimit: number;
  private session = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private candidate: ProviderInstance | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<boolean> | undefined;
  private hooks: { remove(): void } | undefined;
  private readonly diagnostics: TelemetryDiagnostics;

  constructor(options: { bufferLimit?: number; diagnostics?: TelemetryDiagnostics } = {}) {
    this.bufferLimit = options.bufferLimit ?? DEFAULT_BUFFER_LIMIT;
    this.diagnostics = options.diagnostics ?? createDiagnostics();
  }

  /**
   * The active provider's self-monitoring counters (drops, failed exports, its Prometheus port...),
   * or undefined while no provider is active or the provider reports none.
   */
  providerStats(): ProviderStats | undefined {
    return this.bound?.stats?.();
  }

  /** The current state (a copy meant to be shown: export header values masked, URL credentials removed). */
  status(): TelemetryStatus {
    const status = { ...this.current };
    if (status.settings) {
      // Shown to people and logged by hosts: no export header values, no credentials in the URL.
      status.settings = {
        ...status.settings,
        url: safeUrl(status.settings.url),
        headers: Object.fromEntries(Object.keys(status.settings.headers).map((k) => [k, REDACTED])),
      };
    }
    return status;
  }

  /** Calls `listener` on every state change; returns the function that removes it. */
  onStatusChange(listener: TelemetryStatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setStatus(status: TelemetryStatus): void {
    this.current = status;
    for (const listener of this.listeners) {
      try {
        listener(this.status());
      } catch {
        // a listener's bug is not ours to surface
      }
    }
  }

  /** A logger usable right away: buffered before init, bound to the provider when it is up. */
  getLogger(name: string, bindings?: LogFields): TelemetryLogger {
    if (bindings && Object.keys(bindings).length > 0) return new LazyLogger(this, name, { ...bindings });
    let logger = this.loggers.get(name);
    if (!logger) {
      logger = new LazyLogger(this, name, undefined);
      if (this.loggers.size < 1000) this.loggers.set(name, logger);
    }
    return logger;
  }

  /** A tracer that binds (and re-binds) to the provider's; no-op meanwhile. */
  getTracer(name: string, version?: string): Tracer {
    const key = `${name}@${version ?? ''}`;
    let tracer = this.tracers.get(key);
    if (!tracer) this.tracers.set(key, (tracer = new LateBindingTracer(this, name, version)));
    return tracer;
  }

  /** A meter whose instruments (observable ones with their callbacks) bind and re-bind to the provider's. */
  getMeter(name: string, version?: string, options?: MeterOptions): Meter {
    const key = `${name}@${version ?? ''}`;
    let meter = this.meters.get(key);
    if (!meter) this.meters.set(key, (meter = new LateBindingMeter(this, name, version, options)));
    return meter;
  }

  /** @internal Records from lazy loggers while no provider is bound. */
  writeUnbound(level: LogLevel, logger: string, bindings: LogFields | undefined, event: string, fields: LogFields | undefined): void {
    // Telemetry off: the cheap path for what stderr would not show anyway.
    if (this.current.state !== 'uninitialised' && LOG_LEVEL_SEVERITY[level] < this.fallbackThreshold()) return;
    const ids = activeTraceIds();
    const record: LogRecord = {
      time: Date.now(),
      level,
      event,
      logger,
      context: bindings ?? {},
      fields: fields ?? {},
      traceId: ids.traceId,
      spanId: ids.spanId,
    };
    if (this.current.state === 'uninitialised') {
      if (this.pending.length >= this.bufferLimit) {
        this.pending.shift();
        this.droppedBeforeInit += 1;
      }
      this.pending.push(record);
      return;
    }
    this.writeFallback(record);
  }

  /** @internal */
  unboundLevelEnabled(level: LogLevel): boolean {
    if (this.current.state === 'uninitialised') return true;
    return LOG_LEVEL_SEVERITY[level] >= this.fallbackThreshold();
  }

  private fallbackThreshold(): number {
    // Cached per status object (replaced on every change): read on every unbound log call.
    if (this.thresholdFor !== this.current) {
      this.thresholdFor = this.current;
      this.threshold = Math.max(LOG_LEVEL_SEVERITY.WARNING, LOG_LEVEL_SEVERITY[this.current.settings?.logLevel ?? 'INFO']);
    }
    return this.threshold;
  }

  private thresholdFor: TelemetryStatus | undefined;
  private threshold = 0;

  /** With telemetry off, WARNING and above still reach stderr as JSON lines (never stdout). */
  private writeFallback(record: LogRecord): void {
    if (LOG_LEVEL_SEVERITY[record.level] < this.fallbackThreshold()) return;
    try {
      writeStderr(JSON.stringify(formatLogRecord({ ...record, context: redactSecrets(record.context), fields: redactSecrets(record.fields) })));
    } catch {
      writeStderr(JSON.stringify({ time: new Date(record.time).toISOString(), level: record.level, logger: record.logger, event: record.event }));
    }
  }

  /**
   * Prints the buffered WARNING+ records to stderr, each at most once: while waiting for the
   * backend they are printed and kept (the provider gets them when it binds); a later drain
   * (shutdown, re-init) skips the ones already printed.
   */
  private drainPendingToFallback(keep: boolean): void {
    for (const record of this.pending) {
      if (this.printed.has(record)) continue;
      this.writeFallback(record);
      if (keep) this.printed.add(record);
    }
    if (!keep) this.pending = [];
    this.reportDropped();
  }

  private reportDropped(): void {
    if (this.droppedBeforeInit > 0) {
      this.diagnostics.warn(
        `${this.droppedBeforeInit} log record(s) written before telemetry started were dropped (the buffer keeps the last ${this.bufferLimit})`,
      );
      this.droppedBeforeInit = 0;
    }
  }

  /**
   * Starts telemetry. Never throws (unless `strict`): every problem becomes one clear warning on
   * stderr and no-op telemetry. Calling it again replaces the previous provider.
   */
  init(options: TelemetryInitOptions = {}): Promise<TelemetryStatus> {
    const run = this.chain.then(() => this.doInit(options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async doInit(options: TelemetryInitOptions): Promise<TelemetryStatus> {
    if (this.current.state !== 'uninitialised' || this.bound || this.candidate) {
      await this.shutdown({ timeoutMs: options.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS });
      // Back to "not started yet" so records written while this init runs are buffered.
      this.current = { state: 'uninitialised' };
    }
    this.stopping = undefined;
    // Trace context must flow through async work whatever the provider: a logs-only provider still
    // stamps trace ids of spans started elsewhere, and hosts propagate traceparent across hops.
    ensureContextManager();
    const session = ++this.session;
    if (options.installShutdownHooks !== false) this.installShutdownHooks({ timeoutMs: options.shutdownTimeoutMs });

    const env = options.env ?? process.env;
    const cwd = resolve(options.cwd ?? process.cwd());
    let settings: TelemetrySettings | undefined;
    let providerName: string | undefined =
      typeof options.provider === 'object' ? options.provider?.meta?.name : options.provider;
    try {
      let config: GatewayConfig = {};
      let configDir = cwd;
      let source = 'options.config';
      if (options.config !== undefined) {
        // Both given: the host already read the file; its folder still anchors relative paths.
        if (options.configPath) {
          source = resolve(cwd, options.configPath);
          configDir = dirname(source);
        }
        config = ensureParsedConfig(options.config, source);
      } else if (options.configPath) {
        source = resolve(cwd, options.configPath);
        config = loadGatewayConfig(source);
        configDir = dirname(source);
      }
      settings = resolveTelemetrySettings(config, { env, configDir, cwd });
      if (typeof options.provider === 'string') settings = { ...settings, provider: options.provider };
      else if (options.provider) settings = { ...settings, provider: options.provider.meta?.name ?? 'custom' };
      providerName = settings.provider;

      if (!settings.enabled) {
        const why = /^true$/i.test(env.OTEL_SDK_DISABLED?.trim() ?? '') ? 'OTEL_SDK_DISABLED=true' : 'plugins.telemetry.config.enabled is false';
        return this.fallback(session, `Telemetry is disabled (${why}): nothing is exported; ${stderrFallbackNote(settings.logLevel)}.`, settings, providerName, true);
      }

      let provider: TelemetryProvider;
      if (typeof options.provider === 'object') {
        if (!isTelemetryProvider(options.provider)) {
          throw new TypeError('options.provider is not a telemetry provider (make it with defineProvider())');
        }
        checkProviderCompatibility(options.provider);
        provider = options.provider;
      } else {
        provider = await loadProvider(settings.provider, { configDir, cwd });
      }
      if (session !== this.session) return this.status();

      const rawConfig = (config.plugins?.telemetry?.config ?? {}) as Record<string, unknown>;
      let providerConfig: unknown = rawConfig;
      if (provider.configSchema) {
        const result = await provider.configSchema['~standard'].validate(rawConfig);
        if (result.issues) {
          const issues: ConfigIssue[] = result.issues.map((issue) => {
            const segments = (issue.path ?? []).map((s) => (typeof s === 'object' && s !== null ? s.key : s));
            return { path: formatPath(['plugins', 'telemetry', 'config', ...segments]), message: issue.message };
          });
          throw new ConfigError(source, issues, `Invalid ${provider.meta.name} provider configuration in ${source}`);
        }
        providerConfig = result.value;
      }

      const ctx: ProviderContext = {
        settings,
        stdoutReserved: options.stdoutReserved === true,
        configDir,
        env,
        diagnostics: createDiagnostics({ source: provider.meta.name }),
        serviceVersion: options.serviceVersion,
      };
      const createTimeoutMs = options.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS;
      const created = await withDeadline(
        () => provider.create(providerConfig as never, ctx),
        createTimeoutMs,
        { onLate: (late) => void Promise.resolve(late?.shutdown?.()).catch(() => undefined) },
      );
      if (!created.ok) {
        const problem = created.timedOut
          ? `did not finish within ${createTimeoutMs} ms`
          : `threw: ${errorText(created.error)}`;
        throw new ProviderFailure(`Telemetry provider "${provider.meta.name}" failed to start: create() ${problem}.`);
      }
      const instance = created.value;
      const missing = ['logger', 'tracer', 'meter', 'forceFlush', 'shutdown'].filter(
        (key) => typeof (instance as unknown as Record<string, unknown> | undefined)?.[key] !== 'function',
      );
      if (missing.length > 0) {
        void Promise.resolve(instance?.shutdown?.()).catch(() => undefined);
        throw new ProviderFailure(
          `Telemetry provider "${provider.meta.name}" failed to start: create() returned an instance without ${missing.join(', ')}.`,
        );
      }
      if (session !== this.session) {
        void Promise.resolve(instance.shutdown()).catch(() => undefined);
        return this.status();
      }

      if (instance.checkConnectivity) {
        const result = await this.checkConnectivity(instance, settings.connectivityTimeoutMs);
        if (session !== this.session) {
          void Promise.resolve(instance.shutdown()).catch(() => undefined);
          return this.status();
        }
        if (!result.ok) return this.wait(session, provider.meta.name, instance, settings, result.detail, result.hint);
      }
      this.bind(instance, provider.meta.name, settings);
      return this.status();
    } catch (error) {
      const known = error instanceof ConfigError || error instanceof ProviderFailure || (error as Error)?.name === 'ProviderLoadError';
      const message = known ? (error as Error).message : `Telemetry failed to start: ${errorText(error)}.`;
      this.fallback(session, message, settings, providerName, false);
      if (options.strict) throw error;
      return this.status();
    }
  }

  private async checkConnectivity(
    instance: ProviderInstance,
    timeoutMs: number,
    background = false,
  ): Promise<{ ok: boolean; detail: string; hint?: string | undefined }> {
    // The provider enforces timeoutMs itself; core's own deadline guards a provider that does not.
    // Background re-checks must not hold the process open (the reconnect timer is unref'd too).
    const outcome = await withDeadline(() => instance.checkConnectivity!(timeoutMs), timeoutMs + Math.min(1000, Math.max(250, timeoutMs)), {
      keepAlive: !background,
    });
    if (outcome.ok) {
      const r = outcome.value;
      return { ok: r?.ok === true, detail: r?.detail ?? 'no detail', hint: r?.hint };
    }
    if (outcome.timedOut) return { ok: false, detail: `the connectivity check did not answer within ${timeoutMs} ms` };
    return { ok: false, detail: `the connectivity check failed: ${errorText(outcome.error)}` };
  }

  private fallback(session: number, reason: string, settings: TelemetrySettings | undefined, provider: string | undefined, notice: boolean): TelemetryStatus {
    if (session !== this.session) return this.status();
    // Provider and config messages may quote the endpoint: never with its credentials.
    const shown = scrubUrls(reason);
    const status: TelemetryStatus = { state: 'noop', reason: shown };
    if (provider) status.provider = provider;
    if (settings) status.settings = settings;
    this.setStatus(status);
    writeStderr(
      notice
        ? `secure-mcp-gateway telemetry: ${shown}`
        : `secure-mcp-gateway telemetry WARNING: ${shown} Telemetry is off: nothing is exported; ${stderrFallbackNote(settings?.logLevel)}; the gateway keeps running.`,
    );
    this.drainPendingToFallback(false);
    return this.status();
  }

  private wait(session: number, providerName: string, instance: ProviderInstance, settings: TelemetrySettings, detail: string, hint?: string): TelemetryStatus {
    const retry = settings.reconnectIntervalMs;
    const reason = scrubUrls(
      `Telemetry backend for provider "${providerName}" at ${safeUrl(settings.url)} is unreachable: ${detail.replace(/\.$/, '')}.${hint ? ` ${hint.replace(/\.$/, '')}.` : ''}`,
    );
    if (retry <= 0) {
      void Promise.resolve(instance.shutdown()).catch(() => undefined);
      return this.fallback(session, `${reason} Not re-checking (reconnect_interval_ms is 0).`, settings, providerName, false);
    }
    this.candidate = instance;
    this.setStatus({ state: 'waiting', provider: providerName, reason, settings });
    writeStderr(
      `secure-mcp-gateway telemetry WARNING: ${reason} Nothing is exported meanwhile; ${stderrFallbackNote(settings.logLevel)}; re-checking every ${retry} ms and switching on when it answers.`,
    );
    // Printed now (the records are kept for the provider, and marked so they are not printed again).
    this.drainPendingToFallback(true);
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void this.checkConnectivity(instance, settings.connectivityTimeoutMs, true)
        .then((result) => {
          if (session !== this.session || this.candidate !== instance) return;
          if (result.ok) {
            clearInterval(timer);
            this.reconnectTimer = undefined;
            this.candidate = undefined;
            this.bind(instance, providerName, settings);
            this.diagnostics.warn(`telemetry backend at ${safeUrl(settings.url)} is reachable now; telemetry is on`);
          }
        })
        .finally(() => {
          checking = false;
        });
    }, retry);
    timer.unref?.();
    this.reconnectTimer = timer;
    return this.status();
  }

  private bind(instance: ProviderInstance, providerName: string, settings: TelemetrySettings): void {
    this.bound = instance;
    this.generation += 1;
    for (const meter of this.meters.values()) meter.rebind();
    this.setStatus({ state: 'active', provider: providerName, settings });
    this.replay(instance, settings);
  }

  /** Replays records buffered before init: as they were (emit) or through the provider's loggers. */
  private replay(instance: ProviderInstance, settings: TelemetrySettings): void {
    const records = this.pending;
    this.pending = [];
    for (const record of records) {
      if (!isLevelEnabled(settings.logLevel, record.level)) continue;
      try {
        if (instance.emit) {
          instance.emit(record);
          continue;
        }
        const write = (): void => {
          const base = instance.logger(record.logger);
          const logger = Object.keys(record.context).length > 0 ? base.child(record.context) : base;
          logger.log(record.level, record.event, record.fields);
        };
        if (record.traceId && record.spanId) {
          // Re-create the span context the record was written in, so its trace ids survive.
          const ctx = trace.setSpanContext(ROOT_CONTEXT, { traceId: record.traceId, spanId: record.spanId, traceFlags: 1, isRemote: true });
          contextApi.with(ctx, write);
        } else write();
      } catch {
        // one bad record must not stop the replay
      }
    }
    this.reportDropped();
  }

  /** Exports everything buffered, within `timeoutMs` (default 5000). Resolves true when it finished in time. */
  async forceFlush(options: { timeoutMs?: number } = {}): Promise<boolean> {
    const instance = this.bound;
    if (!instance) return true;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const outcome = await withDeadline(() => instance.forceFlush(), timeoutMs);
    if (!outcome.ok) {
      this.diagnostics.warn(outcome.timedOut ? `flush did not finish within ${timeoutMs} ms` : `flush failed: ${errorText(outcome.error)}`);
    }
    return outcome.ok;
  }

  /**
   * Flushes and shuts the provider down within `timeoutMs` (default 5000); afterwards telemetry
   * is no-op (warnings still reach stderr). Idempotent: concurrent and repeated calls share one run.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<boolean> {
    if (this.stopping) return this.stopping;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    this.stopping = (async () => {
      this.session += 1;
      if (this.reconnectTimer) clearInterval(this.reconnectTimer);
      this.reconnectTimer = undefined;
      const instances = [this.bound, this.candidate].filter((i): i is ProviderInstance => !!i);
      const previous = this.current;
      this.bound = undefined;
      this.candidate = undefined;
      this.generation += 1;
      for (const meter of this.meters.values()) meter.rebind();
      const status: TelemetryStatus = { state: 'noop', reason: 'telemetry was shut down' };
      if (previous.provider) status.provider = previous.provider;
      if (previous.settings) status.settings = previous.settings;
      this.setStatus(status);
      this.drainPendingToFallback(false);
      if (instances.length === 0) return true;
      const outcome = await withDeadline(() => Promise.all(instances.map((i) => i.shutdown())), timeoutMs);
      if (!outcome.ok) {
        this.diagnostics.warn(outcome.timedOut ? `shutdown did not finish within ${timeoutMs} ms; some telemetry may be lost` : `shutdown failed: ${errorText(outcome.error)}`);
      }
      return outcome.ok;
    })();
    return this.stopping;
  }

  /**
   * Flush-and-shutdown on SIGINT, SIGTERM and beforeExit; installed once. After flushing on a
   * signal, when nobody else listens for it, the signal's default behaviour (exit) happens.
   */
  installShutdownHooks(options: { timeoutMs?: number | undefined } = {}): void {
    if (this.hooks) return;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    const onSignal = (signal: NodeJS.Signals): void => {
      this.removeShutdownHooks();
      void this.shutdown({ timeoutMs }).finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    const onBeforeExit = (): void => {
      this.removeShutdownHooks();
      void this.shutdown({ timeoutMs });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('beforeExit', onBeforeExit);
    this.hooks = {
      remove: () => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('beforeExit', onBeforeExit);
      },
    };
  }

  /** Removes the hooks `installShutdownHooks` added. */
  removeShutdownHooks(): void {
    this.hooks?.remove();
    this.hooks = undefined;
  }
}

/** A provider that loaded but would not start; its message is the warning. */
class ProviderFailure extends Error {
  override readonly name = 'ProviderFailure';
}

/** Starts telemetry for the process (see `TelemetryConfigManager.init`). */
export function initTelemetry(options: TelemetryInitOptions = {}): Promise<TelemetryStatus> {
  return TelemetryConfigManager.instance().init(options);
}

/** A structured logger usable at import time; binds to the provider once telemetry is up. */
export function getLogger(name: string, bindings?: LogFields): TelemetryLogger {
  return TelemetryConfigManager.instance().getLogger(name, bindings);
}

/** An OTel tracer usable at import time; binds (and re-binds) to the provider's. */
export function getTracer(name: string, version?: string): Tracer {
  return TelemetryConfigManager.instance().getTracer(name, version);
}

/** An OTel meter usable at import time; its instruments bind (and re-bind) to the provider's. */
export function getMeter(name: string, version?: string, options?: MeterOptions): Meter {
  return TelemetryConfigManager.instance().getMeter(name, version, options);
}

/** Exports everything buffered within the deadline (default 5000 ms). */
export function flushTelemetry(options: { timeoutMs?: number } = {}): Promise<boolean> {
  return TelemetryConfigManager.instance().forceFlush(options);
}

/** Flushes and shuts telemetry down within the deadline (default 5000 ms). Idempotent. */
export function shutdownTelemetry(options: { timeoutMs?: number } = {}): Promise<boolean> {
  return TelemetryConfigManager.instance().shutdown(options);
}

/** The process's telemetry state. */
export function getTelemetryStatus(): TelemetryStatus {
  return TelemetryConfigManager.instance().status();
}

/** Calls `listener` on every change of the process's telemetry state; returns the remover. */
export function onTelemetryStatusChange(listener: TelemetryStatusListener): () => void {
  return TelemetryConfigManager.instance().onStatusChange(listener);
}

/** The active provider's self-monitoring counters; undefined while no provider is active. */
export function getProviderStats(): ProviderStats | undefined {
  return TelemetryConfigManager.instance().providerStats();
}
