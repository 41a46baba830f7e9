/** The gateway's log levels, as the Python gateway names them (`enkrypt_log_level`). */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR' | 'CRITICAL';

export const LOG_LEVELS: readonly LogLevel[] = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];

/** Numeric severity; comparable, and equal to the OTel SeverityNumber of the level. */
export const LOG_LEVEL_SEVERITY: Readonly<Record<LogLevel, number>> = {
  DEBUG: 5,
  INFO: 9,
  WARNING: 13,
  ERROR: 17,
  CRITICAL: 21,
};

const ALIASES: Readonly<Record<string, LogLevel>> = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARNING: 'WARNING',
  WARN: 'WARNING',
  ERROR: 'ERROR',
  CRITICAL: 'CRITICAL',
  FATAL: 'CRITICAL',
};

/** Parses a level name case-insensitively (`warn` and `fatal` accepted); undefined when unknown. */
export function parseLogLevel(value: string): LogLevel | undefined {
  return ALIASES[value.trim().toUpperCase()];
}

/** True when a record at `level` passes a logger whose threshold is `threshold`. */
export function isLevelEnabled(threshold: LogLevel, level: LogLevel): boolean {
  return LOG_LEVEL_SEVERITY[level] >= LOG_LEVEL_SEVERITY[threshold];
}
