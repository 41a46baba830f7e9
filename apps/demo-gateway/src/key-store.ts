import { createHash, timingSafeEqual } from 'node:crypto';

/** What a gateway key grants (an `apikeys` entry of the config). */
export interface KeyGrant {
  readonly projectId: string;
  readonly userId: string;
  /** A stable, non-secret id of the key (a digest prefix): per-key limits and logs use it, never the key. */
  readonly keyId: string;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/**
 * The gateway keys, looked up by the SHA-256 digest of the presented key. Keys are never
 * properties of an object, so no `Object.prototype` name (`__proto__`, `constructor`,
 * `toString`…) can match; the digest is compared with `timingSafeEqual`, and the `Map` lookup
 * is keyed by a digest an attacker cannot steer byte by byte, so neither leaks how much of a
 * key was right.
 */
export class GatewayKeyStore {
  private readonly byDigest = new Map<string, { digest: Buffer; grant: KeyGrant }>();

  constructor(apikeys: Iterable<readonly [string, { readonly project_id: string; readonly user_id: string }]>) {
    for (const [key, entry] of apikeys) {
      const d = digest(key);
      const hex = d.toString('hex');
      this.byDigest.set(hex, { digest: d, grant: { projectId: entry.project_id, userId: entry.user_id, keyId: hex.slice(0, 12) } });
    }
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** The grant for `key`, or undefined for a missing or unknown key. */
  lookup(key: string | undefined): KeyGrant | undefined {
    if (typeof key !== 'string' || key.length === 0) return undefined;
    const d = digest(key);
    const found = this.byDigest.get(d.toString('hex'));
    if (!found || !timingSafeEqual(found.digest, d)) return undefined;
    return found.grant;
  }
}

/** HTTP headers accepted for the gateway key, first match wins (`Authorization: Bearer` too). */
export const GATEWAY_KEY_HEADERS = ['apikey', 'x-enkrypt-gateway-key'] as const;

/** Header values longer than this are not keys (Node caps all headers at 16 KB anyway). */
const MAX_KEY_LENGTH = 4096;

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The gateway key a request presents: the `apikey` (or `x-enkrypt-gateway-key`) header, else
 * `Authorization: Bearer <key>`. Parsed by hand, without a regular expression, in linear time.
 */
export function keyFromHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const own = (name: string) => (Object.prototype.hasOwnProperty.call(headers, name) ? firstValue(headers[name]) : undefined);
  for (const name of GATEWAY_KEY_HEADERS) {
    const v = own(name)?.trim();
    if (v) return v.length <= MAX_KEY_LENGTH ? v : undefined;
  }
  const auth = own('authorization')?.trim();
  if (!auth || auth.length > MAX_KEY_LENGTH + 16) return undefined;
  const space = auth.search(/\s/);
  if (space !== 6 || auth.slice(0, 6).toLowerCase() !== 'bearer') return undefined;
  const key = auth.slice(7).trim();
  return key || undefined;
}
