/**
 * Bounded reading of W3C trace context from an untrusted carrier (MCP `params._meta`, HTTP
 * headers): `traceparent`, `tracestate` and `baggage` are read in time linear in their size and
 * cut to the W3C limits before anything parses them. What is cut is counted, never parsed.
 */

/** The limits applied (W3C Trace Context and Baggage; the same numbers the OTel propagators use). */
export const TRACE_CARRIER_LIMITS = {
  /** A `traceparent` longer than this is ignored (version 00 is 55 characters). */
  traceparentLength: 512,
  /** W3C Trace Context: at most 32 list-members. */
  tracestateMembers: 32,
  /** A tracestate member longer than this (256-char key + `=` + 256-char value) is dropped. */
  tracestateMemberLength: 513,
  /** W3C Baggage: at most 8,192 bytes in all… */
  baggageBytes: 8192,
  /** …and at most 180 list-members (as the OTel baggage propagator)… */
  baggageMembers: 180,
  /** …each at most 4,096 bytes. */
  baggageMemberBytes: 4096,
} as const;

/** The three fields, each within the limits (absent when missing or unusable). */
export interface BoundedTraceCarrier {
  traceparent?: string;
  tracestate?: string;
  baggage?: string;
}

/** List-members (or, for traceparent, values) dropped from each field. */
export interface TraceCarrierDrops {
  traceparent: number;
  tracestate: number;
  baggage: number;
}

export interface TraceCarrierReading {
  readonly carrier: BoundedTraceCarrier;
  readonly dropped: TraceCarrierDrops;
  /** True when anything was dropped. */
  readonly truncated: boolean;
}

const FIELDS = ['traceparent', 'tracestate', 'baggage'] as const;
type Field = (typeof FIELDS)[number];

/** Own, string-or-string-array values only; a header name may arrive in any case. */
function rawFields(carrier: Record<string, unknown>): Partial<Record<Field, unknown>> {
  const out: Partial<Record<Field, unknown>> = Object.create(null) as Partial<Record<Field, unknown>>;
  let missing = 0;
  for (const field of FIELDS) {
    if (Object.prototype.hasOwnProperty.call(carrier, field)) out[field] = carrier[field];
    else missing += 1;
  }
  if (missing === 0) return out;
  // One pass over the keys for the rest; keys are only lower-cased when their length fits.
  for (const key of Object.keys(carrier)) {
    if (key.length < 7 || key.length > 11) continue;
    const lower = key.toLowerCase() as Field;
    if ((lower === 'traceparent' || lower === 'tracestate' || lower === 'baggage') && !(lower in out)) out[lower] = carrier[key];
  }
  return out;
}

/**
 * A string, or a string array joined by `,` (repeated headers), cut after the last whole member
 * that ends within `cap` characters; the members past the cut are only counted.
 */
function asText(value: unknown, cap: number): { text: string; overflowMembers: number } | undefined {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (!items) return undefined;
  let text = '';
  let overflowMembers = 0;
  let full = false;
  for (const item of items) {
    if (typeof item !== 'string') continue;
    if (full) {
      overflowMembers += countMembers(item);
      continue;
    }
    const room = cap - text.length - (text === '' ? 0 : 1);
    if (item.length <= room) {
      text = text === '' ? item : `${text},${item}`;
      continue;
    }
    full = true;
    const cut = room > 0 ? item.lastIndexOf(',', room) : -1;
    if (cut > 0) text = text === '' ? item.slice(0, cut) : `${text},${item.slice(0, cut)}`;
    overflowMembers += countMembers(cut < 0 ? item : item.slice(cut + 1));
  }
  return { text, overflowMembers };
}

/** Non-empty comma-separated members in `text`, counted without splitting it. */
function countMembers(text: string): number {
  let count = 0;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */) {
      if (content) count += 1;
      content = false;
    } else if (c !== 32 && c !== 9) content = true;
  }
  return content ? count + 1 : count;
}

function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f) bytes += c > 0x7ff ? (c >= 0xd800 && c <= 0xdbff ? 1 : 2) : 1;
  }
  return bytes;
}

/**
 * Keeps list-members in order while they fit: at most `maxMembers`, each at most `maxMember`
 * bytes, `maxTotal` bytes in all. Scans at most `maxTotal` characters; the rest is only counted.
 */
function boundList(text: string, overflowMembers: number, maxMembers: number, maxMember: number, maxTotal: number): { value: string; dropped: number } {
  const kept: string[] = [];
  let total = 0;
  let dropped = 0;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf(',', pos);
    if (end === -1) end = text.length;
    const member = text.slice(pos, end).trim();
    pos = end + 1;
    if (member === '') continue;
    const bytes = utf8Length(member);
    if (kept.length >= maxMembers || total + bytes + (kept.length > 0 ? 1 : 0) > maxTotal) {
      // Full: everything from here on is dropped (members stay in order, none skipped ahead).
      dropped += 1 + countMembers(text.slice(pos));
      pos = text.length;
      break;
    }
    if (bytes > maxMember) {
      dropped += 1;
      continue;
    }
    kept.push(member);
    total += bytes + (kept.length > 1 ? 1 : 0);
  }
  dropped += overflowMembers;
  return { value: kept.join(','), dropped };
}

/**
 * Reads `traceparent`, `tracestate` and `baggage` from `carrier` within the W3C limits:
 * tracestate at most 32 members; baggage at most 8,192 bytes, 180 members and 4,096 bytes a
 * member. Members past a limit are dropped and counted; the kept ones stay in order. Runs in
 * time linear in the carrier's size, however large; never throws.
 */
export function readTraceCarrier(carrier: unknown): TraceCarrierReading {
  const dropped: TraceCarrierDrops = { traceparent: 0, tracestate: 0, baggage: 0 };
  const out: BoundedTraceCarrier = {};
  if (!carrier || typeof carrier !== 'object') return { carrier: out, dropped, truncated: false };
  const raw = rawFields(carrier as Record<string, unknown>);
  const L = TRACE_CARRIER_LIMITS;

  const parent = raw.traceparent;
  const first = Array.isArray(parent) ? parent.find((v): v is string => typeof v === 'string') : parent;
  if (typeof first === 'string') {
    const value = first.length <= L.traceparentLength ? first.trim() : '';
    if (value) out.traceparent = value;
    else if (first.trim() !== '') dropped.traceparent += 1;
  }

  const state = asText(raw.tracestate, L.tracestateMembers * (L.tracestateMemberLength + 1));
  if (state) {
    const bounded = boundList(state.text, state.overflowMembers, L.tracestateMembers, L.tracestateMemberLength, Number.POSITIVE_INFINITY);
    if (bounded.value) out.tracestate = bounded.value;
    dropped.tracestate += bounded.dropped;
  }

  const baggage = asText(raw.baggage, L.baggageBytes);
  if (baggage) {
    const bounded = boundList(baggage.text, baggage.overflowMembers, L.baggageMembers, L.baggageMemberBytes, L.baggageBytes);
    if (bounded.value) out.baggage = bounded.value;
    dropped.baggage += bounded.dropped;
  }

  return { carrier: out, dropped, truncated: dropped.traceparent + dropped.tracestate + dropped.baggage > 0 };
}
