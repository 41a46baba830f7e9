import { findAll, replaceRanges, ScanPacer, type ScanPattern, type ScanRanges } from './text-scan';

export type PiiType = 'email' | 'phone' | 'ssn' | 'credit_card' | 'ip_address';

export interface PiiFinding {
  readonly type: PiiType;
  readonly count: number;
}

/**
 * The demo PII detectors. Linear-time (checked by tools/redos-check) and of bounded length, so
 * the windowed scanner finds exactly what one pass would. Order matters: SSN and card numbers
 * before the looser phone pattern; an earlier type's match wins an overlap.
 */
export const PII_PATTERNS: readonly ScanPattern<PiiType>[] = [
  // An address starts where a run of address characters starts (the look-behind): without it
  // every position of a long run would start a failing scan, quadratic in the run's length.
  // RFC 5321 lengths: local part at most 64, domain at most 255.
  { type: 'email', regex: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}/g, maxLength: 64 + 1 + 255 + 1 + 63, anchor: '@' },
  { type: 'ssn', regex: /\b\d{3}-\d{2}-\d{4}\b/g, maxLength: 11 },
  { type: 'credit_card', regex: /\b(?:\d[ -]?){13,16}\b/g, maxLength: 32 },
  { type: 'ip_address', regex: /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g, maxLength: 15, anchor: '.' },
  { type: 'phone', regex: /(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}\b/g, maxLength: 19 },
];

const LABELS: readonly string[] = PII_PATTERNS.map((p) => `[REDACTED_${p.type.toUpperCase()}]`);
const label = (kind: number): string => LABELS[kind]!;

function countByType(counts: Map<PiiType, number>, ranges: ScanRanges): void {
  for (const kind of ranges.kinds) {
    const type = PII_PATTERNS[kind]!.type;
    counts.set(type, (counts.get(type) ?? 0) + 1);
  }
}

export function findingsOf(counts: ReadonlyMap<PiiType, number>): PiiFinding[] {
  return [...counts].map(([type, count]) => ({ type, count }));
}

/** Finds PII in a string and returns it redacted, with counts per type (yields to the event loop on long text). */
export async function redactPiiText(text: string, pacer: ScanPacer = new ScanPacer()): Promise<{ text: string; findings: PiiFinding[] }> {
  const counts = new Map<PiiType, number>();
  const ranges = await findAll(text, PII_PATTERNS, pacer);
  countByType(counts, ranges);
  return { text: replaceRanges(text, ranges, label), findings: findingsOf(counts) };
}

/**
 * Synchronous redaction for short text (captured payload previews): the same patterns, one pass
 * each. Long text goes through `redactPiiText`, which yields.
 */
export function redactPii(text: string): { text: string; findings: PiiFinding[] } {
  const counts = new Map<PiiType, number>();
  let out = text;
  PII_PATTERNS.forEach(({ type, regex }, kind) => {
    out = out.replace(regex, () => {
      counts.set(type, (counts.get(type) ?? 0) + 1);
      return label(kind);
    });
  });
  return { text: out, findings: findingsOf(counts) };
}

/**
 * A copy of a JSON value with PII redacted in every string (object keys kept as they are,
 * `__proto__` included, as own properties). Walks iteratively, so deep nesting cannot overflow
 * the stack; yields to the event loop as the scanner does.
 */
export async function redactPiiInValue(value: unknown, counts: Map<PiiType, number>, pacer: ScanPacer): Promise<unknown> {
  const redactString = async (s: string): Promise<string> => {
    const ranges = await findAll(s, PII_PATTERNS, pacer);
    if (ranges.starts.length === 0) return s;
    countByType(counts, ranges);
    return replaceRanges(s, ranges, label);
  };
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  const root: { v: unknown } = { v: undefined };
  // Each frame copies one container into `target[key]`.
  const stack: { source: object; target: Record<string | number, unknown>; key: string | number }[] = [{ source: value, target: root as never, key: 'v' }];
  while (stack.length > 0) {
    const { source, target, key } = stack.pop()!;
    const copy: Record<string | number, unknown> = Array.isArray(source) ? new Array<unknown>(source.length) as never : {};
    define(target, key, copy);
    for (const [k, v] of Object.entries(source)) {
      const slot = Array.isArray(source) ? Number(k) : k;
      const nested = v !== null && typeof v === 'object';
      // Nested containers are filled in later; defining the slot now keeps the key order.
      define(copy, slot, typeof v === 'string' ? await redactString(v) : nested ? undefined : v);
      if (nested) stack.push({ source: v, target: copy, key: slot });
    }
    await pacer.spend(16);
  }
  return root.v;
}

/** An own data property, whatever the key (`__proto__` included: no setter runs). */
function define(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Every string in a JSON value, iteratively (deep nesting cannot overflow the stack). */
export function stringsIn(value: unknown): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') out.push(v);
    else if (v !== null && typeof v === 'object') {
      const children = Object.values(v);
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return out;
}
