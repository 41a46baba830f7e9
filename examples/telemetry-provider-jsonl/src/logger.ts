import { createRecordLogger, formatLogRecord, redactSecrets } from '@secure-mcp-gateway/telemetry-core';
import type { LogLevel, LogRecord, TelemetryLogger } from '@secure-mcp-gateway/telemetry-core';
import { toJsonLine, type JsonlFile } from './file';

/**
 * Serialises a record as the JSON line core documents, using core's own `formatLogRecord`:
 * context and fields can never overwrite `time`, `level`, `logger`, `event`, `trace_id`, `span_id`.
 */
export function recordLine(record: LogRecord): string {
  const line = formatLogRecord({ ...record, context: redactSecrets(record.context), fields: redactSecrets(record.fields) });
  // Trace ids come only from the span active when the record was written, never from a field.
  if (!record.traceId) delete line.trace_id;
  if (!record.spanId) delete line.span_id;
  return toJsonLine(line);
}

/** Core's level-filtering logger (bindings, `child()`, active span ids); each record becomes a line. */
export function createLogger(file: JsonlFile, threshold: LogLevel, name: string): TelemetryLogger {
  return createRecordLogger({ name, threshold, write: (record) => file.write(recordLine(record)) });
}
