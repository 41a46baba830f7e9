/** What a secret value is replaced with in logs, spans, metrics and error messages. */
export const REDACTED = '[REDACTED]';

// Matched against the key lower-cased with separators removed (`X-Api-Key` -> `xapikey`).
// `token` is a secret, but token *counts* (`max_tokens`, `token_count`) are not.
const SECRET_KEY =
  /(apikey|accesskey|secretkey|privatekey|gatewaykey|clientsecret|secret|password|passwd|passphrase|authorization|cookie|credential|bearer|signature|token(?!s|count|usage|limit|type))/;

const SECRET_KEY_CACHE = new Map<string, boolean>();
const SECRET_KEY_CACHE_LIMIT = 4096;

/**
 * True when a field of this name holds a secret: API keys, tokens, passwords, secrets,
 * Authorization headers, cookies, gateway keys, private keys. Case- and separator-insensitive.
 */
export function isSecretKey(key: string | number | symbol): boolean {
  if (typeof key !== 'string') return false;
  // Field names repeat endlessly (a pure function of the key): remember the answers, bounded.
  const known = SECRET_KEY_CACHE.get(key);
  if (known !== undefined) return known;
  const secret = classifyKey(key);
  if (SECRET_KEY_CACHE.size < SECRET_KEY_CACHE_LIMIT && key.length <= 128) SECRET_KEY_CACHE.set(key, secret);
  return secret;
}

function classifyKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[\s_.\-:]/g, '');
  if (normalised === 'auth' || normalised === 'pwd' || normalised === 'pass') return true;
  return SECRET_KEY.test(normalised);
}

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const MAX_DEPTH = 32;

/**
 * A deep copy of `value` with every secret-keyed value replaced by `REDACTED` and
 * `Bearer <token>` strings masked. Cycle-safe (`[Circular]`); the input is never modified.
 */
export function redactSecrets<T>(value: T): T {
  // Primitives need no cycle tracking (the common case for single field values).
  if (typeof value !== 'object' || value === null) return redact(value, undefined as unknown as WeakSet<object>, 0) as T;
  return redact(value, new WeakSet(), 0) as T;
}

function redact(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return value.includes(' ') ? value.replace(BEARER, `$1 ${REDACTED}`) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (Array.isArray(value)) {
    seen.add(value);
    const out = value.map((item) => redact(item, seen, depth + 1));
    seen.delete(value);
    return out;
  }
  if (value instanceof Map) {
    seen.add(value);
    const out = new Map();
    for (const [k, v] of value) out.set(k, isSecretKey(k) ? REDACTED : redact(v, seen, depth + 1));
    seen.delete(value);
    return out;
  }
  if (value instanceof Error) {
    seen.add(value);
    const out: Record<string, unknown> = { name: value.name, message: redact(value.message, seen, depth + 1) };
    for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, seen, depth + 1);
    seen.delete(value);
    return out;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // Dates, Buffers, class instances: as they are
  seen.add(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isSecretKey(k) ? REDACTED : redact(v, seen, depth + 1);
  seen.delete(value);
  return out;
}

// Query parameters that carry credentials in URLs but are not caught by isSecretKey.
const SECRET_QUERY_KEY = /^(key|sig|sas|jwt|code|session|sessionid|sid|x-amz-security-token)$/i;

/**
 * An endpoint URL fit for messages and status: `user:password@` removed and the values of
 * query parameters that look like credentials (`token`, `api_key`, `sig`...) replaced by
 * `REDACTED`. Works on strings that are not valid URLs too (for error messages); otherwise
 * the text is kept as written.
 */
export function safeUrl(url: string): string {
  let out = String(url);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(out);
  if (scheme) {
    const rest = out.slice(scheme[0].length);
    const authorityEnd = rest.search(/[/?#]/);
    const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
    if (authority.includes('@')) {
      out = scheme[0] + rest.slice(authority.lastIndexOf('@') + 1);
    } else if (rest.includes('@') && !URL.canParse(out)) {
      // Unparseable with an "@" further on: a password with an unencoded "/" or "?". Drop up to the last "@".
      out = scheme[0] + rest.slice(rest.lastIndexOf('@') + 1);
    }
  }
  // Linear: a key never spans a `?`, so no `?` starts a scan that reaches past the next one.
  return out.replace(/([?&;])([^=&#;?]*)=([^&#;]*)/g, (whole, sep: string, key: string) => {
    let name = key;
    try {
      name = decodeURIComponent(key);
    } catch {
      // keep the raw key
    }
    return isSecretKey(name) || SECRET_QUERY_KEY.test(name) ? `${sep}${key}=${REDACTED}` : whole;
  });
}

const isSchemeChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
const isUrlEnd = (c: number): boolean => c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 96;
const isLetter = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/**
 * `text` with every `scheme://…` URL in it passed through `safeUrl` (for free-form messages).
 * Found from each `://` outwards, in one linear pass (a regex would rescan runs of scheme characters).
 */
export function scrubUrls(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (let sep = text.indexOf('://'); sep !== -1; sep = text.indexOf('://', from)) {
    let start = sep;
    while (start > copied && isSchemeChar(text.charCodeAt(start - 1))) start -= 1;
    // The scheme starts with a letter: skip leading digits and signs as `\b[a-z]` did.
    while (start < sep && !isLetter(text.charCodeAt(start))) start += 1;
    let end = sep + 3;
    while (end < text.length && !isUrlEnd(text.charCodeAt(end))) end += 1;
    from = Math.max(end, sep + 3);
    if (start === sep || end === sep + 3) continue;
    out += text.slice(copied, start) + safeUrl(text.slice(start, end));
    copied = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}
