/**
 * Back-off for clients that keep presenting bad gateway keys, per client address: after
 * `freeAttempts` failures an address is refused (HTTP 429 + Retry-After) for a delay that
 * doubles with each further failure, up to `maxDelayMs`. The table is bounded (the least
 * recently failing addresses are forgotten first), and failures are reported as one summary
 * per interval instead of one log line per attempt.
 */

export interface AuthBackoffOptions {
  readonly freeAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** An address with no failure for this long starts afresh. */
  readonly forgetAfterMs?: number;
  readonly maxAddresses?: number;
  /** How often the summary is handed to `onSummary` (only when something happened). */
  readonly summaryIntervalMs?: number;
  readonly now?: () => number;
}

export interface AuthFailureSummary {
  readonly failures: number;
  readonly refused: number;
  readonly addresses: number;
  readonly interval_ms: number;
}

interface Entry {
  failures: number;
  blockedUntil: number;
  lastFailure: number;
}

export class AuthBackoff {
  private readonly entries = new Map<string, Entry>();
  private readonly freeAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly forgetAfterMs: number;
  private readonly maxAddresses: number;
  private readonly now: () => number;
  private window = { failures: 0, refused: 0, addresses: new Set<string>() };
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(
    options: AuthBackoffOptions = {},
    private readonly onSummary?: (summary: AuthFailureSummary) => void,
  ) {
    this.freeAttempts = options.freeAttempts ?? 10;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.forgetAfterMs = options.forgetAfterMs ?? 10 * 60_000;
    this.maxAddresses = options.maxAddresses ?? 10_000;
    this.now = options.now ?? Date.now;
    const interval = options.summaryIntervalMs ?? 60_000;
    if (onSummary) {
      this.timer = setInterval(() => this.flushSummary(interval), interval);
      this.timer.unref();
    }
  }

  /** Seconds the address must wait before its next attempt, or 0 when it may try now. */
  retryAfterSeconds(address: string): number {
    const entry = this.entries.get(address);
    if (!entry) return 0;
    const now = this.now();
    if (now - entry.lastFailure > this.forgetAfterMs) {
      this.entries.delete(address);
      return 0;
    }
    if (entry.blockedUntil <= now) return 0;
    this.window.refused += 1;
    this.note(address);
    return Math.max(1, Math.ceil((entry.blockedUntil - now) / 1000));
  }

  /** Records a bad or missing key from `address`. */
  failure(address: string): void {
    const now = this.now();
    let entry = this.entries.get(address);
    if (entry && now - entry.lastFailure > this.forgetAfterMs) entry = undefined;
    if (!entry) {
      entry = { failures: 0, blockedUntil: 0, lastFailure: now };
      if (this.entries.size >= this.maxAddresses) {
        // Maps iterate in insertion order: the first is the least recently failing address.
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    entry.failures += 1;
    entry.lastFailure = now;
    const over = entry.failures - this.freeAttempts;
    if (over > 0) entry.blockedUntil = now + Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(over - 1, 30));
    // Re-insert so the map stays ordered by last failure.
    this.entries.delete(address);
    this.entries.set(address, entry);
    this.window.failures += 1;
    this.note(address);
  }

  private note(address: string): void {
    if (this.window.addresses.size < this.maxAddresses) this.window.addresses.add(address);
  }

  /** A good key from `address`: its slate is wiped. */
  success(address: string): void {
    this.entries.delete(address);
  }

  /** Hands the current window's summary to `onSummary` (when non-empty) and starts a new one. */
  flushSummary(intervalMs = 0): void {
    const w = this.window;
    this.window = { failures: 0, refused: 0, addresses: new Set() };
    if (w.failures + w.refused === 0) return;
    this.onSummary?.({ failures: w.failures, refused: w.refused, addresses: w.addresses.size, interval_ms: intervalMs });
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.flushSummary();
  }
}
