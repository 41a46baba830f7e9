/**
 * Hand-written JSON serialisation for log lines: the hot path of this provider.
 *
 * Never throws: circular references, BigInt, Symbols, throwing getters and toJSON methods,
 * Errors (with cause chains), Maps, Sets and typed arrays all get a readable JSON form.
 * Keys that look secret are redacted at any depth; long strings are cut with a marker.
 */

/** Nesting beyond this is summarised as `"[Object]"` / `"[Array]"`. */
const MAX_DEPTH = 10;
/** Arrays, Sets and Maps longer than this are cut (the rest is counted in a marker item). */
const MAX_ITEMS = 1000;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
/** Cap on cached key prefixes, so an unbounded set of keys cannot grow memory. */
const MAX_CACHED_KEYS = 4096;

export interface SerializerOptions {
  readonly maxStringLength: number;
  /** True for keys whose values must never be written (core's `isSecretKey`). */
  readonly isSecretKey: (key: string) => boolean;
  /** What a secret value is replaced with (core's `REDACTED`). */
  readonly redacted: string;
  /** Top-level keys `members()` leaves out (the line's own keys, which fields must not forge). */
  readonly reservedKeys?: ReadonlySet<string>;
}

function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Control characters, quote, backslash and surrogates (lone ones must be escaped).
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

function objectTag(value: object): string {
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name.length > 0 ? ctor.name : 'Object';
}

function isError(value: object): value is Error {
  return value instanceof Error || Object.prototype.toString.call(value) === '[object Error]';
}

function describeThrown(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    return 'unknown';
  }
}

export class Serializer {
  readonly maxStringLength: number;
  private readonly isSecret: (key: string) => boolean;
  readonly redacted: string;
  private readonly redactedJson: string;
  private readonly reserved: ReadonlySet<string>;
  /** key -> `,"key":` (or the whole `,"key":"[REDACTED]"` member when the key is secret, or '' when reserved). */
  private readonly keyCache = new Map<string, string>();
  private readonly secretCache = new Map<string, boolean>();

  constructor(options: SerializerOptions) {
    this.maxStringLength = options.maxStringLength;
    this.isSecret = options.isSecretKey;
    this.redacted = options.redacted;
    this.redactedJson = JSON.stringify(options.redacted);
    this.reserved = options.reservedKeys ?? new Set();
  }

  /** True for the keys `members()` and pretty key=value pairs leave out. */
  isReservedKey(key: string): boolean {
    return this.reserved.has(key);
  }

  /** JSON string literal for `s`, cut to `maxStringLength` with a marker. */
  string(s: string): string {
    if (s.length > this.maxStringLength) s = this.truncate(s);
    // `Authorization`-style credentials pasted into a message or value are masked as core does.
    if (s.length > 8 && (s.indexOf('Bearer ') !== -1 || s.indexOf('Basic ') !== -1)) s = s.replace(BEARER, '$1 ' + this.redacted);
    // Short clean strings skip JSON.stringify (the common case: ids, names, words).
    if (s.length < 64 && !needsEscape(s)) return '"' + s + '"';
    return JSON.stringify(s);
  }

  truncate(s: string): string {
    const max = this.maxStringLength;
    let cut = max;
    // Do not split a surrogate pair.
    const c = s.charCodeAt(cut - 1);
    if (c >= 0xd800 && c <= 0xdbff) cut--;
    return s.slice(0, cut) + `…[truncated ${s.length - cut} chars]`;
  }

  isSecretKey(key: string): boolean {
    let secret = this.secretCache.get(key);
    if (secret === undefined) {
      secret = this.safeIsSecret(key);
      if (this.secretCache.size < MAX_CACHED_KEYS) this.secretCache.set(key, secret);
    }
    return secret;
  }

  private safeIsSecret(key: string): boolean {
    try {
      return this.isSecret(key);
    } catch {
      return true; // fail closed: better a redacted value than a leaked one
    }
  }

  /**
   * `,"k1":v1,"k2":v2...` for the own enumerable string keys of `fields` (empty string when none).
   * A leading comma so callers can append it straight after their fixed members.
   * Reserved keys are skipped: a duplicate key would win in JSON.parse and forge the record.
   */
  members(fields: object): string {
    let out = '';
    for (const key in fields) {
      if (!Object.prototype.hasOwnProperty.call(fields, key)) continue;
      let prefix = this.keyCache.get(key);
      if (prefix === undefined) {
        prefix = this.reserved.has(key)
          ? ''
          : this.isSecretKey(key)
            ? ',' + this.string(key) + ':' + this.redactedJson
            : ',' + this.string(key) + ':';
        if (this.keyCache.size < MAX_CACHED_KEYS) this.keyCache.set(key, prefix);
      }
      // Decided once per key (cached): a reserved key's prefix is '', a secret key's holds its redacted value.
      if (prefix.charCodeAt(prefix.length - 1) !== 58 /* ':' */) {
        out += prefix;
        continue;
      }
      let value: unknown;
      try {
        value = (fields as Record<string, unknown>)[key];
      } catch (error) {
        out += prefix + this.string(`[Throws: ${describeThrown(error)}]`);
        continue;
      }
      if (value === undefined) continue; // as JSON.stringify does
      out += prefix + this.value(value, 0, undefined);
    }
    return out;
  }

  /** JSON text for any value. `stack` holds the objects being serialised above this one (circular check). */
  value(value: unknown, depth: number, stack: object[] | undefined): string {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return Number.isFinite(value) ? '' + value : '"' + value + '"';
      case 'boolean':
        return value ? 'true' : 'false';
      case 'bigint':
        return '"' + value.toString() + '"';
      case 'undefined':
        return 'null';
      case 'symbol':
        return this.string(value.toString());
      case 'function':
        return this.string(`[Function: ${(value as { name?: string }).name || 'anonymous'}]`);
      default:
        if (value === null) return 'null';
        return this.object(value as object, depth, stack);
    }
  }

  private object(value: object, depth: number, stack: object[] | undefined): string {
    if (stack === undefined) stack = [];
    else if (stack.includes(value)) return '"[Circular]"';
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? '"Invalid Date"' : '"' + value.toISOString() + '"';
    }
    if (depth >= MAX_DEPTH) return Array.isArray(value) ? '"[Array]"' : '"[' + objectTag(value) + ']"';
    stack.push(value);
    try {
      if (Array.isArray(value)) return this.array(value, depth, stack);
      if (isError(value)) return this.error(value, depth, stack);
      if (value instanceof Map) return this.map(value, depth, stack);
      if (value instanceof Set) return this.iterable(value, value.size, depth, stack);
      if (ArrayBuffer.isView(value)) return '"[' + objectTag(value) + ' ' + value.byteLength + ' bytes]"';
      if (value instanceof ArrayBuffer) return '"[ArrayBuffer ' + value.byteLength + ' bytes]"';
      if (value instanceof RegExp) return this.string(String(value));
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') {
        return this.value(toJSON.call(value), depth + 1, stack);
      }
      return '{' + this.nestedMembers(value, depth, stack) + '}';
    } catch (error) {
      return this.string(`[Unserialisable: ${describeThrown(error)}]`);
    } finally {
      stack.pop();
    }
  }

  private nestedMembers(obj: object, depth: number, stack: object[], isErr = false): string {
    let out = '';
    for (const key in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
      // An Error's name/message/stack are written first; custom errors often set `name` as an own property.
      if (isErr && (key === 'name' || key === 'message' || key === 'stack')) continue;
      const sep = out.length === 0 ? '' : ',';
      if (this.isSecretKey(key)) {
        out += sep + this.string(key) + ':' + this.redactedJson;
        continue;
      }
      let v: unknown;
      try {
        v = (obj as Record<string, unknown>)[key];
      } catch (error) {
        out += sep + this.string(key) + ':' + this.string(`[Throws: ${describeThrown(error)}]`);
        continue;
      }
      if (v === undefined) continue;
      out += sep + this.string(key) + ':' + this.value(v, depth + 1, stack);
    }
    return out;
  }

  private array(arr: readonly unknown[], depth: number, stack: object[]): string {
    const n = arr.length < MAX_ITEMS ? arr.length : MAX_ITEMS;
    let out = '[';
    for (let i = 0; i < n; i++) {
      if (i > 0) out += ',';
      out += this.value(arr[i], depth + 1, stack);
    }
    if (arr.length > n) out += (n > 0 ? ',' : '') + `"…[${arr.length - n} more items]"`;
    return out + ']';
  }

  private iterable(items: Iterable<unknown>, size: number, depth: number, stack: object[]): string {
    let out = '[';
    let i = 0;
    for (const item of items) {
      if (i === MAX_ITEMS) {
        out += `,"…[${size - i} more items]"`;
        break;
      }
      if (i > 0) out += ',';
      out += this.value(item, depth + 1, stack);
      i++;
    }
    return out + ']';
  }

  private map(map: Map<unknown, unknown>, depth: number, stack: object[]): string {
    // Maps with primitive keys read best as objects; others as [key, value] pairs.
    let primitiveKeys = true;
    for (const key of map.keys()) {
      if (typeof key === 'object' && key !== null) {
        primitiveKeys = false;
        break;
      }
      if (typeof key === 'function') {
        primitiveKeys = false;
        break;
      }
    }
    if (!primitiveKeys) return this.iterable(map.entries(), map.size, depth, stack);
    let out = '{';
    let i = 0;
    for (const [rawKey, v] of map) {
      if (i === MAX_ITEMS) {
        out += `,"…":"${map.size - i} more entries"`;
        break;
      }
      const key = typeof rawKey === 'symbol' ? rawKey.toString() : String(rawKey);
      out += (i > 0 ? ',' : '') + this.string(key) + ':';
      out += this.isSecretKey(key) ? this.redactedJson : this.value(v, depth + 1, stack);
      i++;
    }
    return out + '}';
  }

  private error(err: Error, depth: number, stack: object[]): string {
    let out = '{"name":' + this.string(safeString(() => err.name) ?? 'Error');
    out += ',"message":' + this.string(safeString(() => err.message) ?? '');
    const errStack = safeString(() => err.stack);
    if (errStack !== undefined) out += ',"stack":' + this.string(errStack);
    // Own enumerable extras (code, status, details...) as given.
    const extras = this.nestedMembers(err, depth, stack, true);
    if (extras.length > 0) out += ',' + extras;
    let cause: unknown;
    try {
      cause = 'cause' in err ? err.cause : undefined;
    } catch {
      cause = undefined;
    }
    if (cause !== undefined && !Object.prototype.propertyIsEnumerable.call(err, 'cause')) {
      out += ',"cause":' + this.value(cause, depth + 1, stack);
    }
    if (err instanceof AggregateError && !Object.prototype.propertyIsEnumerable.call(err, 'errors')) {
      out += ',"errors":' + this.value(err.errors, depth + 1, stack);
    }
    return out + '}';
  }
}

function safeString(read: () => unknown): string | undefined {
  try {
    const v = read();
    return typeof v === 'string' ? v : v === undefined ? undefined : String(v);
  } catch {
    return undefined;
  }
}

/**
 * ISO-8601 timestamps, cheap: the `YYYY-MM-DDTHH:MM:SS.` prefix is cached per second,
 * so most lines only format their milliseconds.
 */
export class IsoClock {
  private second = Number.NaN;
  private prefix = '';

  iso(ms: number): string {
    const second = Math.floor(ms / 1000);
    if (second !== this.second) {
      const iso = new Date(second * 1000).toISOString(); // 2026-01-01T00:00:00.000Z
      this.second = second;
      this.prefix = iso.slice(0, iso.length - 4);
    }
    const milli = ms - second * 1000;
    // Fractional ms (performance-derived times) are floored; JSON time stays valid ISO.
    const m = milli | 0;
    return this.prefix + (m < 10 ? '00' + m : m < 100 ? '0' + m : '' + m) + 'Z';
  }
}
