import type { LogFields, TelemetryDiagnostics } from './contract';
import { redactSecrets, scrubUrls } from './secrets';

const WINDOW_MS = 30_000;

export interface DiagnosticsOptions {
  /** Who is speaking, e.g. `opentelemetry`; printed in the prefix. */
  readonly source?: string;
  /** Print debug lines (default: when OTEL_LOG_LEVEL is debug/verbose/all). */
  readonly debug?: boolean;
  /** Where lines go (default: process.stderr). */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

/** Writes one line to stderr without ever throwing (a closed stderr must not crash the host). */
export function writeStderr(line: string): void {
  try {
    process.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
  } catch {
    // nowhere left to report to
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /[\s="]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  try {
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  } catch {
    return String(value);
  }
}

/**
 * Plain, readable stderr lines for the telemetry system's own trouble, rate-limited per
 * message: the first occurrence prints, repeats within 30 s are counted and summarised on the
 * next line printed for that message.
 */
export function createDiagnostics(options: DiagnosticsOptions = {}): TelemetryDiagnostics {
  const write = options.write ?? writeStderr;
  const now = options.now ?? Date.now;
  const debugEnabled =
    options.debug ?? /^(debug|verbose|all)$/i.test(process.env.OTEL_LOG_LEVEL ?? '');
  const prefix = options.source ? `secure-mcp-gateway telemetry (${options.source})` : 'secure-mcp-gateway telemetry';
  const seen = new Map<string, { last: number; suppressed: number }>();

  const emit = (level: 'DEBUG' | 'WARN' | 'ERROR', raw: string, fields?: LogFields): void => {
    try {
      // Messages often quote an endpoint: never with its user:password or token query.
      const message = scrubUrls(raw);
      const key = `${level}:${message}`;
      const t = now();
      const entry = seen.get(key);
      if (entry && t - entry.last < WINDOW_MS) {
        entry.suppressed += 1;
        return;
      }
      const repeated = entry && entry.suppressed > 0 ? ` (${entry.suppressed} more like this suppressed)` : '';
      seen.set(key, { last: t, suppressed: 0 });
      if (seen.size > 500) seen.delete(seen.keys().next().value as string);
      const safe = fields ? (redactSecrets(fields) as LogFields) : undefined;
      const extra = safe
        ? Object.entries(safe)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => ` ${k}=${typeof v === 'string' ? formatValue(scrubUrls(v)) : formatValue(v)}`)
            .join('')
        : '';
      write(`${prefix} ${level}: ${message}${extra}${repeated}`);
    } catch {
      // diagnostics never throw
    }
  };

  return {
    debug: (message, fields) => {
      if (debugEnabled) emit('DEBUG', message, fields);
    },
    warn: (message, fields) => emit('WARN', message, fields),
    error: (message, fields) => emit('ERROR', message, fields),
  };
}
