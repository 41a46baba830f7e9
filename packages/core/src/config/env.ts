import type { ConfigIssue } from './errors';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads `OTEL_*` variables with the parsing rules of the SDK's own helpers (`@opentelemetry/core`
 * 2.x `getStringFromEnv`, `getNumberFromEnv`, `getBooleanFromEnv`, `getStringListFromEnv`):
 * values are trimmed, empty means unset, numbers go through `Number()`, booleans are `true` /
 * `false` in any case. Those helpers read `process.env` only and report through the silent-by-
 * default `diag`; core reads the environment it is given (tests, embedders) and reports each bad
 * variable once, by name, then ignores it. A test runs both over the same values to keep them equal.
 */
export class EnvReader {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly env: Env) {}

  report(name: string, message: string): undefined {
    this.issues.push({ path: name, message });
    return undefined;
  }

  /** The trimmed value, undefined when unset or blank. */
  string(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  /** `true`/`false` (any case); anything else is reported. */
  bool(name: string): boolean | undefined {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return undefined;
    if (value === 'true') return true;
    if (value === 'false') return false;
    return this.report(name, `expected true or false, got ${JSON.stringify(this.string(name))}`);
  }

  /** An integer within [min, max]. */
  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
      return this.report(name, `expected an integer ${range}, got ${JSON.stringify(raw)}`);
    }
    return value;
  }

  /** A number within [min, max]. */
  number(name: string, min: number, max: number): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min || value > max) {
      return this.report(name, `expected a number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  }

  /** One of `allowed` (compared in lower case). */
  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = raw.toLowerCase() as T;
    if (allowed.includes(value)) return value;
    return this.report(name, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(raw)}`);
  }

  /**
   * A comma-separated list of names, each one of `allowed`; `none` alone is the empty list. A list
   * with an unknown name is reported and ignored whole.
   */
  list<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const names = [...new Set(raw.split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== ''))];
    if (names.length === 1 && names[0] === 'none') return [];
    const unknown = names.filter((n) => !allowed.includes(n as T));
    if (unknown.length > 0 || names.length === 0) {
      return this.report(
        name,
        `expected "none" or a comma-separated list of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${JSON.stringify(raw)}` +
          (unknown.length > 0 ? ` (${unknown.map((u) => `"${u}"`).join(', ')} not supported)` : ''),
      );
    }
    return names as T[];
  }

  /**
   * `k=v,k2=v2` with percent-encoded values (OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_HEADERS).
   * As the specification asks, a value with any malformed entry is discarded whole. Values of
   * secret variables (headers) are never quoted in the report.
   */
  keyValues(name: string, secret: boolean): Record<string, string> | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    // Entries, then fromEntries: a key like "__proto__" becomes an own property, not a prototype.
    const entries: [string, string][] = [];
    for (const part of raw.split(',')) {
      if (!part.trim()) continue;
      const eq = part.indexOf('=');
      const key = eq > 0 ? part.slice(0, eq).trim() : '';
      if (!key) {
        return this.report(name, `expected comma-separated key=value pairs, got ${secret ? 'an entry without "="' : JSON.stringify(part.trim())}`);
      }
      const value = part.slice(eq + 1).trim();
      try {
        entries.push([key, decodeURIComponent(value)]);
      } catch {
        return this.report(name, `entry "${key}" is not percent-encoded correctly`);
      }
    }
    return Object.fromEntries(entries);
  }
}
