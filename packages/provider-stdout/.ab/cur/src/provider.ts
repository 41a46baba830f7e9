import { isAbsolute, resolve } from 'node:path';
import { ProxyTracerProvider, createNoopMeter, type Meter, type Tracer } from '@opentelemetry/api';
import {
  LOG_LEVEL_SEVERITY,
  REDACTED,
  activeTraceIds,
  defineProvider,
  isSecretKey,
  parseLogLevel,
  type LogFields,
  type LogLevel,
  type LogRecord,
  type ProviderContext,
  type ProviderInstance,
  type TelemetryLogger,
  type TelemetryProvider,
} from '@secure-mcp-gateway/telemetry-core';
import { parseStdoutConfig, stdoutConfigSchema, type StdoutProviderConfig } from './config';
import { JsonFormat, LEVELS, PrettyFormat, RECORD_KEYS, type LineFormat } from './format';
import { Serializer } from './serialize';
import { FdSink } from './sink';
import { CORE_RANGE, VERSION } from './version';

const LEVEL_INDEX: Readonly<Record<string, number>> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3, CRITICAL: 4 };
const SEVERITY = LEVELS.map((level) => LOG_LEVEL_SEVERITY[level]);
const [DEBUG, INFO, WARNING, ERROR, CRITICAL] = SEVERITY as [number, number, number, number, number];

// This provider has no tracing or metrics: it hands out the OTel API's no-op ones. A
// ProxyTracerProvider that is never given a delegate is the API's no-op tracer provider.
const noopTracerProvider = new ProxyTracerProvider();
const noopMeter = createNoopMeter();

/** What every logger of one provider instance shares. */
class Output {
  dropped = 0;
  private reportedFailure = false;

  constructor(
    readonly threshold: number,
    readonly format: LineFormat,
    readonly sink: FdSink,
    private readonly ctx: ProviderContext,
  ) {}

  write(
    level: number,
    head: string,
    event: string,
    context: string,
    fields: LogFields | undefined,
    time: number,
    traceId: string | undefined,
    spanId: string | undefined,
  ): void {
    try {
      this.sink.write(this.format.line(time, head, event, context, fields, traceId, spanId));
    } catch (error) {
      // Logging never throws into the caller; the failure is reported once.
      this.dropped++;
      this.reportFailure(`a ${LEVELS[level]} record "${event}" could not be written (${String(error)})`);
    }
  }

  reportFailure(message: string): void {
    if (this.reportedFailure) return;
    this.reportedFailure = true;
    try {
      this.ctx.diagnostics.error(message);
    } catch {
      // diagnostics are best effort
    }
  }
}

/** `fields` as a plain record: an Error or a bare value passed by untyped callers is wrapped. */
function normaliseFields(fields: unknown): LogFields | undefined {
  if (fields === undefined || fields === null) return undefined;
  if (typeof fields !== 'object') return { value: fields };
  if (fields instanceof Error) return { err: fields };
  return fields as LogFields;
}

function noop(): void {}

class StdoutLogger implements TelemetryLogger {
  private readonly threshold: number;
  // Disabled levels are bound to a shared no-op (pino's trick): a filtered call does no work at all,
  // its fields are never read and the call site can be optimised away.
  readonly debug: (event: string, fields?: LogFields) => void;
  readonly info: (event: string, fields?: LogFields) => void;
  readonly warn: (event: string, fields?: LogFields) => void;
  readonly error: (event: string, fields?: LogFields) => void;
  readonly critical: (event: string, fields?: LogFields) => void;

  constructor(
    readonly name: string,
    private readonly out: Output,
    private readonly heads: string[],
    private readonly bindings: LogFields,
    private readonly renderedContext: string,
  ) {
    const t = out.threshold;
    this.threshold = t;
    this.debug = DEBUG >= t ? this.debugOn : noop;
    this.info = INFO >= t ? this.infoOn : noop;
    this.warn = WARNING >= t ? this.warnOn : noop;
    this.error = ERROR >= t ? this.errorOn : noop;
    this.critical = CRITICAL >= t ? this.criticalOn : noop;
  }

  private debugOn(event: string, fields?: LogFields): void {
    this.write(0, event, fields);
  }
  private infoOn(event: string, fields?: LogFields): void {
    this.write(1, event, fields);
  }
  private warnOn(event: string, fields?: LogFields): void {
    this.write(2, event, fields);
  }
  private errorOn(event: string, fields?: LogFields): void {
    this.write(3, event, fields);
  }
  private criticalOn(event: string, fields?: LogFields): void {
    this.write(4, event, fields);
  }

  log(level: LogLevel, event: string, fields?: LogFields): void {
    const index = levelIndex(level);
    if (SEVERITY[index]! >= this.threshold) this.write(index, event, fields);
  }

  isLevelEnabled(level: LogLevel): boolean {
    return SEVERITY[levelIndex(level)]! >= this.threshold;
  }

  child(bindings: LogFields): TelemetryLogger {
    if (bindings === null || typeof bindings !== 'object') return this;
    const merged = { ...this.bindings, ...bindings };
    return new StdoutLogger(this.name, this.out, this.heads, merged, this.out.format.context(merged));
  }

  private write(index: number, event: string, fields: LogFields | undefined): void {
    const ids = activeTraceIds();
    this.out.write(
      index,
      this.heads[index]!,
      typeof event === 'string' ? event : String(event),
      this.renderedContext,
      normaliseFields(fields),
      Date.now(),
      ids?.traceId,
      ids?.spanId,
    );
  }
}

function levelIndex(level: LogLevel): number {
  const index = LEVEL_INDEX[level];
  if (index !== undefined) return index;
  // Untyped callers may pass `warn`, `fatal`, lower case...; anything unknown logs at INFO rather than vanishing.
  const parsed = typeof level === 'string' ? parseLogLevel(level) : undefined;
  return parsed === undefined ? 1 : LEVEL_INDEX[parsed]!;
}

function colourWanted(env: ProviderContext['env'], isTTY: boolean): boolean {
  // https://no-color.org: present and non-empty disables colour; FORCE_COLOR forces it (except "0"/"false").
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  return isTTY && env.TERM !== 'dumb';
}

function openSink(config: StdoutProviderConfig, ctx: ProviderContext, onError: (m: string) => void): FdSink {
  const dest = config.destination;
  const lower = dest.toLowerCase();
  if (lower === 'stdout' || lower === '-' || lower === '/dev/stdout') {
    if (ctx.stdoutReserved) {
      // stdout is the host's protocol channel (MCP over stdio): not one byte of ours goes there.
      ctx.diagnostics.warn(
        'stdout is reserved for the MCP protocol (stdio transport): writing logs to stderr instead',
      );
      return FdSink.stderr(onError);
    }
    return FdSink.stdout(onError);
  }
  if (lower === 'stderr' || lower === '/dev/stderr') return FdSink.stderr(onError);
  return FdSink.file(isAbsolute(dest) ? dest : resolve(ctx.configDir, dest), onError);
}

function isParsed(config: unknown): config is StdoutProviderConfig {
  const c = config as Partial<StdoutProviderConfig> | null | undefined;
  return typeof c?.format === 'string' && typeof c.destination === 'string' && typeof c.maxStringLength === 'number';
}

function create(rawConfig: StdoutProviderConfig, ctx: ProviderContext): ProviderInstance {
  // Core validates with configSchema first; a host calling create() directly may pass the raw object.
  let config = rawConfig;
  if (!isParsed(rawConfig)) {
    const result = parseStdoutConfig(rawConfig);
    if (result.issues) {
      const detail = result.issues.map((i) => `plugins.telemetry.config.${(i.path ?? []).join('.')}: ${i.message}`).join('; ');
      throw new Error(`stdout provider: invalid config: ${detail}`);
    }
    config = result.value;
  }
  let output: Output | undefined;
  const onError = (message: string): void => output?.reportFailure(message);
  const sink = openSink(config, ctx, onError);
  const pretty = config.format === 'pretty' || (config.format === 'auto' && sink.isTTY);
  const serializer = new Serializer({
    maxStringLength: config.maxStringLength,
    isSecretKey,
    redacted: REDACTED,
    reservedKeys: RECORD_KEYS,
  });
  const format: LineFormat = pretty
    ? new PrettyFormat(serializer, colourWanted(ctx.env, sink.isTTY))
    : new JsonFormat(serializer);
  const threshold = LOG_LEVEL_SEVERITY[ctx.settings.logLevel] ?? LOG_LEVEL_SEVERITY.INFO;
  output = new Output(threshold, format, sink, ctx);
  const out = output;
  const rootContext = format.context({});

  return {
    logger(name: string): TelemetryLogger {
      const loggerName = typeof name === 'string' ? name : String(name);
      return new StdoutLogger(loggerName, out, format.heads(loggerName), {}, rootContext);
    },
    tracer(name: string, version?: string): Tracer {
      return noopTracerProvider.getTracer(name, version);
    },
    meter(): Meter {
      return noopMeter;
    },
    emit(record: LogRecord): void {
      const index = levelIndex(record.level);
      if (SEVERITY[index]! < out.threshold) return;
      // Replayed records come from outside: coerce rather than throw into core's replay loop.
      const logger = typeof record.logger === 'string' ? record.logger : String(record.logger);
      out.write(
        index,
        format.heads(logger)[index]!,
        typeof record.event === 'string' ? record.event : String(record.event),
        record.context && typeof record.context === 'object' ? format.context(record.context) : '',
        normaliseFields(record.fields),
        record.time,
        record.traceId,
        record.spanId,
      );
    },
    stats() {
      const c = sink.counters;
      return { droppedLogRecords: c.droppedLines + out.dropped, failedExports: c.failedWrites, linesWritten: c.linesWritten };
    },
    async forceFlush(): Promise<void> {
      sink.flush();
    },
    async shutdown(): Promise<void> {
      sink.close();
    },
  };
}

/**
 * The stdout provider: JSON lines (or pretty one-liners on a terminal) to stdout, stderr or a
 * file; no traces or metrics. Name it in `plugins.telemetry.provider` as `stdout`.
 */
export const stdoutProvider: TelemetryProvider<StdoutProviderConfig> = defineProvider<StdoutProviderConfig>({
  meta: {
    name: 'stdout',
    version: VERSION,
    core: CORE_RANGE,
    description: 'Structured log lines to stdout, stderr or a file; no traces or metrics.',
  },
  configSchema: stdoutConfigSchema,
  create,
});
