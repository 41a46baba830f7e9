/**
 * Trace context in `params._meta` (SEP-414): keys `traceparent`, `tracestate`, `baggage`, written
 * and read through the global propagator (or the one in the options).
 *
 * `_meta` arrives from the peer and is hostile: values are read by constant keys with an own-
 * property check, must be strings, and are cut to the W3C limits in time linear in the limit
 * (not in the input): traceparent 55 chars, tracestate 32 members / 512 chars, baggage 180
 * members / 8,192 bytes; anything past a limit is dropped.
 */
import type { TextMapGetter, TextMapSetter } from '@opentelemetry/api';

export const TRACEPARENT_MAX = 55;
export const TRACESTATE_MAX_CHARS = 512;
export const TRACESTATE_MAX_MEMBERS = 32;
export const BAGGAGE_MAX_BYTES = 8192;
export const BAGGAGE_MAX_MEMBERS = 180;
/** Other keys a custom propagator may ask for (b3, …): strings up to this length. */
export const OTHER_KEY_MAX = 512;
/** At most this many `_meta` keys are offered to a propagator's `keys()`. */
const KEYS_MAX = 64;

const hasOwn = Object.prototype.hasOwnProperty;

/** A plain JSON object (not null, not an array), as `_meta` and `params` must be. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own string property `key` of a hostile object (never an inherited one). */
export function ownString(obj: Record<string, unknown>, key: string): string | undefined {
  if (!hasOwn.call(obj, key)) return undefined;
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Keeps whole comma-separated members of `value` while the count stays within `maxMembers` and
 * the size within `maxSize` (`sizeOf` measures one member). Reads at most `maxSize + 1` chars,
 * each once.
 */
function keepMembers(value: string, maxMembers: number, maxSize: number, sizeOf: (s: string) => number): string | undefined {
  const head = value.length > maxSize ? value.slice(0, maxSize + 1) : value;
  let end = 0;
  let size = 0;
  let members = 0;
  let start = 0;
  while (start < head.length && members < maxMembers) {
    const comma = head.indexOf(',', start);
    const next = comma === -1 ? head.length : comma;
    // The comma before a member counts toward the size of everything kept.
    const grown = size + (members > 0 ? 1 : 0) + sizeOf(head.slice(start, next));
    if (grown > maxSize) break;
    size = grown;
    end = next;
    members++;
    start = next + 1;
  }
  return end > 0 ? head.slice(0, end) : undefined;
}

const charCount = (s: string) => s.length;
/** UTF-8 length of `s` (lone surrogates count as the 3-byte replacement character). */
function utf8Bytes(s: string): number {
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The bounded value of one `_meta` key, or undefined when absent or not acceptable. */
export function readMetaValue(meta: Record<string, unknown>, key: string): string | undefined {
  const value = ownString(meta, key);
  if (value === undefined) return undefined;
  switch (key) {
    case 'traceparent':
      return value.length <= TRACEPARENT_MAX ? value : undefined;
    case 'tracestate':
      return keepMembers(value, TRACESTATE_MAX_MEMBERS, TRACESTATE_MAX_CHARS, charCount);
    case 'baggage':
      // A char is at least one UTF-8 byte, so the char cut bounds the byte count's work too.
      return keepMembers(value, BAGGAGE_MAX_MEMBERS, BAGGAGE_MAX_BYTES, utf8Bytes);
    default:
      return value.length <= OTHER_KEY_MAX ? value : undefined;
  }
}

/** Reads a hostile `_meta` object for `propagation.extract`. */
export const metaGetter: TextMapGetter<Record<string, unknown>> = {
  get(carrier, key) {
    return readMetaValue(carrier, key);
  },
  keys(carrier) {
    const out: string[] = [];
    for (const key in carrier) {
      if (!hasOwn.call(carrier, key)) continue;
      if (out.length >= KEYS_MAX) break;
      out.push(key);
    }
    return out;
  },
};

/** Writes into the (fresh, ours) `_meta` copy of an outgoing message. */
export const metaSetter: TextMapSetter<Record<string, unknown>> = {
  set(carrier, key, value) {
    carrier[key] = value;
  },
};
