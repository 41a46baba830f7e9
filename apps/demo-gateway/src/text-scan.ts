/**
 * Regular-expression scanning of untrusted text (tool arguments, upstream results) that never
 * holds the event loop for long: the text is scanned in windows of `windowChars`, with a turn of
 * the event loop after each window's worth of work, and the caller's AbortSignal checked there
 * (so guardrails stop when the call's budget runs out). Every pattern must run in linear time
 * (the ReDoS check in tools/redos-check proves it) and declare the longest text it can match,
 * so windows overlap by that much and find exactly what one pass over the whole text would.
 */

export interface ScanPattern<T extends string = string> {
  readonly type: T;
  /** A global (`g`) regex, linear-time; looks behind at most one character. */
  readonly regex: RegExp;
  /** The longest match possible, in characters. */
  readonly maxLength: number;
  /** A character every match contains: the scan jumps from one occurrence to the next. */
  readonly anchor?: string;
}

export interface ScanOptions {
  readonly signal?: AbortSignal | undefined;
}

/** Characters scanned between two turns of the event loop. */
export const SCAN_WINDOW_CHARS = 64 * 1024;

export interface ScanRange<T extends string = string> {
  readonly type: T;
  readonly start: number;
  readonly end: number;
}

/**
 * Counts work across many strings (a JSON argument holds many small ones) and yields to the
 * event loop once a window's worth has been done since the last turn.
 */
export class ScanPacer {
  private spent = 0;
  constructor(private readonly signal?: AbortSignal | undefined) {}

  async spend(chars: number): Promise<void> {
    this.spent += chars;
    if (this.spent < SCAN_WINDOW_CHARS) return;
    this.spent = 0;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.signal?.throwIfAborted();
  }
}

/** The leftmost, non-overlapping matches of `pattern` in `text` (what `/g` finds), window by window. */
async function matchesOf<T extends string>(text: string, pattern: ScanPattern<T>, pacer: ScanPacer, out: ScanRange<T>[]): Promise<void> {
  const re = pattern.regex;
  const L = pattern.maxLength;
  let pos = 0;
  while (pos < text.length) {
    if (pattern.anchor !== undefined) {
      const next = text.indexOf(pattern.anchor, pos);
      if (next === -1) return;
      pos = Math.max(pos, next - L);
    }
    const windowEnd = Math.min(text.length, pos + SCAN_WINDOW_CHARS);
    // One character of context before (for \b and look-behinds) and L after (a match starting
    // before windowEnd is then whole, and so is what follows it).
    const from = pos > 0 ? pos - 1 : 0;
    const sub = text.slice(from, Math.min(text.length, windowEnd + L + 1));
    re.lastIndex = pos - from;
    let next = windowEnd;
    for (let m = re.exec(sub); m !== null; m = re.exec(sub)) {
      const start = from + m.index;
      if (start >= windowEnd) break;
      if (m[0].length === 0) {
        re.lastIndex += 1;
        continue;
      }
      out.push({ type: pattern.type, start, end: start + m[0].length });
      next = Math.max(next, start + m[0].length);
    }
    re.lastIndex = 0;
    await pacer.spend(windowEnd - pos);
    pos = next;
  }
}

/**
 * Matches of every pattern, earlier patterns first: a later pattern's match that overlaps an
 * earlier one's is dropped (as if each pattern ran on the text the previous ones redacted).
 * Sorted by position.
 */
export async function findAll<T extends string>(text: string, patterns: readonly ScanPattern<T>[], pacer: ScanPacer): Promise<ScanRange<T>[]> {
  let accepted: ScanRange<T>[] = [];
  for (const pattern of patterns) {
    const found: ScanRange<T>[] = [];
    await matchesOf(text, pattern, pacer, found);
    if (found.length === 0) continue;
    if (accepted.length === 0) {
      accepted = found;
      continue;
    }
    // Merge two sorted lists, dropping new ranges that overlap accepted ones.
    const merged: ScanRange<T>[] = [];
    let i = 0;
    for (const range of found) {
      while (i < accepted.length && accepted[i]!.end <= range.start) merged.push(accepted[i++]!);
      const overlaps = i < accepted.length && accepted[i]!.start < range.end;
      if (!overlaps) merged.push(range);
    }
    while (i < accepted.length) merged.push(accepted[i++]!);
    accepted = merged;
  }
  return accepted;
}

/** `text` with each range replaced by `replacement(type)`. */
export function replaceRanges<T extends string>(text: string, ranges: readonly ScanRange<T>[], replacement: (type: T) => string): string {
  if (ranges.length === 0) return text;
  const parts: string[] = [];
  let pos = 0;
  for (const r of ranges) {
    parts.push(text.slice(pos, r.start), replacement(r.type));
    pos = r.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}

/**
 * True when any of `patterns` (non-global, linear-time) matches `text`. Windows overlap by
 * `overlap` characters, so a match up to that long is found wherever it lies.
 */
export async function matchesAny(
  text: string,
  patterns: readonly RegExp[],
  overlap: number,
  pacer: ScanPacer,
  normalise: (window: string) => string = (window) => window,
): Promise<boolean> {
  for (let pos = 0; pos < text.length; pos += SCAN_WINDOW_CHARS) {
    const sub = normalise(text.slice(pos > 0 ? pos - 1 : 0, Math.min(text.length, pos + SCAN_WINDOW_CHARS + overlap)));
    for (const pattern of patterns) {
      if (pattern.test(sub)) return true;
    }
    await pacer.spend(Math.min(SCAN_WINDOW_CHARS, text.length - pos) * patterns.length);
  }
  return false;
}
