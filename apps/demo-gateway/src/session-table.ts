/**
 * The live sessions: a global cap (`max_sessions`), a cap per gateway key
 * (`max_sessions_per_key`) so one key cannot take every slot, and an idle expiry
 * (`session_idle_timeout_seconds`). A refusal says when a slot frees up at the latest
 * (the Retry-After the transport sends), from the idle expiry of the sessions in the way.
 */

export interface SessionLimits {
  readonly maxSessions: number;
  readonly maxSessionsPerKey: number;
  readonly idleTimeoutMs: number;
}

export interface SessionRefusal {
  readonly reason: 'max_sessions' | 'max_sessions_per_key';
  readonly limit: number;
  /** Seconds until the first session in the way expires if it stays idle (at least 1). */
  readonly retryAfterSeconds: number;
}

interface Entry<S> {
  readonly session: S;
  readonly owner: string | undefined;
  lastSeen: number;
}

export class SessionTable<S extends { readonly id: string }> {
  private readonly entries = new Map<string, Entry<S>>();
  private readonly perOwner = new Map<string, number>();

  constructor(
    readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Why a session for `owner` cannot open now, or undefined when it can. */
  refusal(owner: string | undefined): SessionRefusal | undefined {
    const { maxSessions, maxSessionsPerKey } = this.limits;
    if (owner !== undefined && (this.perOwner.get(owner) ?? 0) >= maxSessionsPerKey) {
      return { reason: 'max_sessions_per_key', limit: maxSessionsPerKey, retryAfterSeconds: this.retryAfter(owner) };
    }
    if (this.entries.size >= maxSessions) return { reason: 'max_sessions', limit: maxSessions, retryAfterSeconds: this.retryAfter(undefined) };
    return undefined;
  }

  add(session: S, owner: string | undefined): void {
    this.entries.set(session.id, { session, owner, lastSeen: this.now() });
    if (owner !== undefined) this.perOwner.set(owner, (this.perOwner.get(owner) ?? 0) + 1);
  }

  get(id: string): S | undefined {
    return this.entries.get(id)?.session;
  }

  /** Marks a session as used now (it stays alive for another idle timeout). */
  touch(id: string): void {
    const entry = this.entries.get(id);
    if (entry) entry.lastSeen = this.now();
  }

  delete(id: string): S | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    this.entries.delete(id);
    if (entry.owner !== undefined) {
      const n = (this.perOwner.get(entry.owner) ?? 1) - 1;
      if (n > 0) this.perOwner.set(entry.owner, n);
      else this.perOwner.delete(entry.owner);
    }
    return entry.session;
  }

  /** Ids of the sessions idle for longer than the idle timeout (the caller closes them). */
  expired(): string[] {
    const cutoff = this.now() - this.limits.idleTimeoutMs;
    const out: string[] = [];
    for (const [id, entry] of this.entries) if (entry.lastSeen <= cutoff) out.push(id);
    return out;
  }

  values(): IterableIterator<S> {
    return [...this.entries.values()].map((e) => e.session)[Symbol.iterator]();
  }

  clear(): void {
    this.entries.clear();
    this.perOwner.clear();
  }

  private retryAfter(owner: string | undefined): number {
    let oldest = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) {
      if (owner !== undefined && entry.owner !== owner) continue;
      if (entry.lastSeen < oldest) oldest = entry.lastSeen;
    }
    const ms = Number.isFinite(oldest) ? oldest + this.limits.idleTimeoutMs - this.now() : this.limits.idleTimeoutMs;
    return Math.max(1, Math.ceil(ms / 1000));
  }
}
