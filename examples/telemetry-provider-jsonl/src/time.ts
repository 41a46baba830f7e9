import type { HrTime, TimeInput } from '@opentelemetry/api';

/** Now in epoch milliseconds with sub-millisecond precision. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Converts the OTel API's time inputs (epoch ms, Date, HrTime) to epoch milliseconds. */
export function toMs(input: TimeInput | undefined): number {
  if (input === undefined) return nowMs();
  // As the OTel SDK does: numbers below the time origin are performance.now() readings.
  if (typeof input === 'number') return input < performance.timeOrigin ? performance.timeOrigin + input : input;
  if (input instanceof Date) return input.getTime();
  const [seconds, nanos] = input as HrTime;
  return seconds * 1000 + nanos / 1e6;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
