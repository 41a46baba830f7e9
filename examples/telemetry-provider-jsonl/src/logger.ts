import { isSpanContextValid, trace } from '@opentelemetry/api';
import { isLevelEnabled, redactSecrets } from '@secure-mcp-gateway/telemetry-core';
import type { LogFields, LogLevel, LogRecord, TelemetryLogger } from '@secure-mcp-gateway/telemetry-core';
import { toJsonLine, type JsonlFile } from './file';

/** Serialises a record as the JSON line core documents: time, level, logger, event, context, fields, ids. */
export function recordLine(record: LogRecord): string {
  const line: Record<string, unknown> = {
    time: new Date(record.time).toISOString(),
    level: record.level,
    logger: record.logger,
    event: record.event,
    ...(redactSecrets(record.context) as LogFields),
    ...(redactSecrets(record.fields) as LogFields),
  };
  if (record.traceId) line.trace_id = record.traceId;
  if (record.spanId) line.span_id = record.spanId;
  return toJsonLine(line);
}

export function createLogger(file: JsonlFile, threshold: LogLevel, name: string, context: LogFields): TelemetryLogger {
  const log = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (!isLevelEnabled(threshold, level)) return;
    const spanContext = trace.getActiveSpan()?.spanContext();
    const active = spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
    file.write(
      recordLine({
        time: Date.now(),
        level,
        event,
        logger: name,
        context,
        fields: fields ?? {},
        traceId: active?.traceId,
        spanId: active?.spanId,
      }),
    );
  };
  return {
    name,
    debug: (event, fields) => log('DEBUG', event, fields),
    info: (event, fields) => log('INFO', event, fields),
    warn: (event, fields) => log('WARNING', event, fields),
    error: (event, fields) => log('ERROR', event, fields),
    critical: (event, fields) => log('CRITICAL', event, fields),
    log,
    child: (bindings) => createLogger(file, threshold, name, { ...context, ...bindings }),
    isLevelEnabled: (level) => isLevelEnabled(threshold, level),
  };
}
