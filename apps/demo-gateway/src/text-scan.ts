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

/**
 * Matched ranges, sorted by position, as parallel arrays of small integers (a large text can
 * hold hundreds of thousands of matches: no object per match for the GC to copy).
 */
export interface ScanRanges {
  readonly starts: number[];
  readonly ends: number[];
  /** Index into the patterns passed to `findAll`. */
  readonly kinds: number[];
}

const emptyRanges = (): ScanRanges => ({ starts: [], ends: [], kinds: [] });

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
async function matchesOf(text: string, pattern: ScanPattern, kind: number, pacer: ScanPacer, out: ScanRanges): Promise<void> {
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
      const length = m[0].length;
      if (length === 0) {
        re.lastIndex += 1;
        continue;
      }
      out.starts.push(start);
      out.ends.push(start + length);
      out.kinds.push(kind);
      if (start + length > next) next = start + length;
    }
    re.lastIndex = 0;
    await pacer.spend(windowEnd - pos);
    pos = next;
  }
}

/**
 * Matches of every pattern, earlier patterns first: a later pattern's match that overlaps an
 * earlier one's is dropped (as if each pattern ran on the text the previous ones redacted).
 * Sorted by position; `kinds` index `patterns`. Overlaps are found with a byte mask of the
 * covered characters, so the cost stays linear in the text and the matched characters.
 */
export async function findAll(text: string, patterns: readonly ScanPattern[], pacer: ScanPacer): Promise<ScanRanges> {
  const lists: ScanRanges[] = [];
  let covered: Uint8Array | undefined;
  for (let kind = 0; kind < patterns.length; kind++) {
    const found = emptyRanges();
    await matchesOf(text, patterns[kind]!, kind, pacer, found);
    if (found.starts.length === 0) continue;
    if (lists.length > 0) {
      covered ??= markCovered(new Uint8Array(text.length), lists[0]!);
      const kept = emptyRanges();
      for (let j = 0; j < found.starts.length; j++) {
        const start = found.starts[j]!;
        const end = found.ends[j]!;
        let free = true;
        for (let c = start; c < end; c++) {
          if (covered[c] !== 0) {
            free = false;
            break;
          }
        }
        if (!free) continue;
        kept.starts.push(start);
        kept.ends.push(end);
        kept.kinds.push(kind);
      }
      markCovered(covered, kept);
      if (kept.starts.length > 0) lists.push(kept);
    } else lists.push(found);
  }
  return mergeSorted(lists);
}

function markCovered(covered: Uint8Array, ranges: ScanRanges): Uint8Array {
  for (let i = 0; i < ranges.starts.length; i++) covered.fill(1, ranges.starts[i], ranges.ends[i]);
  return covered;
}

/** One list sorted by start from lists that are each sorted and do not overlap one another. */
function mergeSorted(lists: ScanRanges[]): ScanRanges {
  if (lists.length === 0) return emptyRanges();
  if (lists.length === 1) return lists[0]!;
  const out = emptyRanges();
  const at = new Array<number>(lists.length).fill(0);
  for (;;) {
    let best = -1;
    for (let l = 0; l < lists.length; l++) {
      const i = at[l]!;
      if (i < lists[l]!.starts.length && (best === -1 || lists[l]!.starts[i]! < lists[best]!.starts[at[best]!]!)) best = l;
    }
    if (best === -1) return out;
    const list = lists[best]!;
    const i = at[best]!;
    out.starts.push(list.starts[i]!);
    out.ends.push(list.ends[i]!);
    out.kinds.push(list.kinds[i]!);
    at[best] = i + 1;
  }
}

/** `text` with each range replaced by `replacement(kind)`. */
export function replaceRanges(text: string, ranges: ScanRanges, replacement: (kind: number) => string): string {
  const n = ranges.starts.length;
  if (n === 0) return text;
  let out = '';
  let pos = 0;
  for (let i = 0; i < n; i++) {
    out += text.slice(pos, ranges.starts[i]) + replacement(ranges.kinds[i]!);
    pos = ranges.ends[i]!;
  }
  return out + text.slice(pos);
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
