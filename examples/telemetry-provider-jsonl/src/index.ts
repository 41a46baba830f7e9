import { mkdirSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { defineProvider, ensureContextManager } from '@secure-mcp-gateway/telemetry-core';
import type { ProviderContext, ProviderInstance } from '@secure-mcp-gateway/telemetry-core';
import { jsonlConfigSchema, type JsonlConfig } from './config';
import { JsonlFile } from './file';
import { createLogger, recordLine } from './logger';
import { JsonlMetrics } from './meter';
import { createTracer } from './tracer';
// Inlined at build time. meta.core is the peer range, so a release that moves core (and with it
// the peer range) can never leave a stale hand-written range behind that core would refuse.
import { peerDependencies, version } from '../package.json';

const CORE_RANGE = peerDependencies['@secure-mcp-gateway/telemetry-core'];

/** The running provider: the contract's instance plus where its files are. */
export interface JsonlProviderInstance extends ProviderInstance {
  readonly files: { readonly logs: string; readonly spans: string; readonly metrics: string };
}

function create(config: JsonlConfig, ctx: ProviderContext): JsonlProviderInstance {
  const { settings } = ctx;
  const directory = isAbsolute(config.directory) ? config.directory : resolve(ctx.configDir, config.directory);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new Error(`telemetry-provider-jsonl: cannot create directory ${directory} (plugins.telemetry.config.directory): ${String(error)}`, { cause: error });
  }
  // Spans need an async-context manager for parent/child links; core installs one only if none is set.
  ensureContextManager();

  const report = (message: string, fields: Record<string, unknown>): void => ctx.diagnostics.error(message, fields);
  const open = (name: string): JsonlFile =>
    new JsonlFile(join(directory, name), settings.batch.maxQueueSize, settings.batch.maxBatchSize, report);
  const logs = open(config.logsFile);
  const spans = open(config.spansFile);
  const metricsFile = open(config.metricsFile);
  const files = [logs, spans, metricsFile];
  const resource: Record<string, string> = {
    'service.name': settings.serviceName,
    job: settings.jobName,
    ...(ctx.serviceVersion ? { 'service.version': ctx.serviceVersion } : {}),
    ...settings.resourceAttributes,
  };
  const metrics = new JsonlMetrics(metricsFile, resource);
  const tracerOptions = { file: spans, resource, samplingRatio: settings.samplingRatio };

  // Timers are unref'd: telemetry must never keep the process alive.
  const flushTimer = setInterval(() => void Promise.all(files.map((f) => f.flush())), Math.max(settings.batch.timeoutMs, 50));
  flushTimer.unref();
  const metricTimer = setInterval(() => void metrics.collect(), Math.max(settings.metricExportIntervalMs, 100));
  metricTimer.unref();
  // Whatever is still buffered when the process exits is written synchronously.
  const onExit = (): void => files.forEach((f) => f.flushSync());
  process.once('exit', onExit);

  let closed: Promise<void> | undefined;
  const forceFlush = async (): Promise<void> => {
    await metrics.collect();
    await Promise.all(files.map((f) => f.flush()));
  };

  return {
    files: { logs: logs.path, spans: spans.path, metrics: metricsFile.path },
    logger: (name) => createLogger(logs, settings.logLevel, name),
    tracer: (name, version) => createTracer(tracerOptions, name, version),
    meter: (name, version) => metrics.meter(name, version),
    emit: (record) => logs.write(recordLine(record)),
    async checkConnectivity() {
      try {
        await access(directory, constants.W_OK);
        return { ok: true, detail: `directory ${directory} is writable` };
      } catch (error) {
        return {
          ok: false,
          detail: `directory ${directory} is not writable: ${String(error)}`,
          hint: 'Point plugins.telemetry.config.directory at a folder the gateway may write to.',
        };
      }
    },
    stats: () => ({
      droppedLogRecords: logs.dropped,
      droppedSpans: spans.dropped,
      droppedMetricPoints: metricsFile.dropped,
      // Of the drops above: lines written after shutdown() (a host that logs while stopping).
      droppedAfterShutdown: files.reduce((sum, f) => sum + f.droppedAfterClose, 0),
      failedExports: logs.failures + spans.failures + metricsFile.failures,
    }),
    forceFlush,
    shutdown() {
      closed ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(metricTimer);
        process.removeListener('exit', onExit);
        await metrics.collect();
        // From here on, lines are dropped and counted in stats(), not buffered and lost.
        await Promise.all(files.map((f) => f.close()));
      })();
      return closed;
    },
  };
}

/** Writes logs, spans and metric points as JSON lines to files in `config.directory`. */
const jsonlProvider = defineProvider<JsonlConfig>({
  meta: {
    name: 'jsonl',
    version,
    core: CORE_RANGE,
    description: 'Logs, spans and metric points as JSON lines in files; no collector needed.',
  },
  configSchema: jsonlConfigSchema,
  create,
});

export default jsonlProvider;
export { jsonlProvider, jsonlConfigSchema };
export type { JsonlConfig };
