import { LOG_LEVEL_SEVERITY, type LogLevel } from './levels';

/**
 * What still reaches stderr while telemetry exports nothing (disabled, misconfigured, or waiting
 * for its backend): core's fallback writes log records at the higher of WARNING and the
 * configured level, as JSON lines. Said in every notice so nobody reads "off" as "silent".
 */
export function stderrFallbackNote(logLevel: LogLevel | undefined): string {
  const floor = logLevel !== undefined && LOG_LEVEL_SEVERITY[logLevel] > LOG_LEVEL_SEVERITY.WARNING ? logLevel : 'WARNING';
  return `log records at ${floor} and above still go to stderr as JSON lines`;
}
