/** A small TTL cache with its own hit/miss counts (for `enkrypt_get_cache_status`). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; storedAt: number; expiresAt: number }>();
  hits = 0;
  misses = 0;

  constructor(
    readonly name: string,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) {
      this.hits += 1;
      return entry.value;
    }
    if (entry) this.entries.delete(key);
    this.misses += 1;
    return undefined;
  }

  set(key: string, value: V): void {
    const now = this.now();
    this.entries.set(key, { value, storedAt: now, expiresAt: now + this.ttlMs });
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  clear(): number {
    const n = this.entries.size;
    this.entries.clear();
    return n;
  }

  status(): { name: string; ttl_seconds: number; entries: { key: string; age_seconds: number; expires_in_seconds: number }[]; hits: number; misses: number } {
    const now = this.now();
    return {
      name: this.name,
      ttl_seconds: this.ttlMs / 1000,
      hits: this.hits,
      misses: this.misses,
      entries: [...this.entries]
        .filter(([, e]) => e.expiresAt > now)
        .map(([key, e]) => ({ key, age_seconds: Math.round((now - e.storedAt) / 100) / 10, expires_in_seconds: Math.round((e.expiresAt - now) / 100) / 10 })),
    };
  }
}
