/**
 * A bounded in-memory cache whose entries expire after `ttlMs` and which can be cleared at once
 * (on a change notification). Loads that started before a clear never store their (possibly
 * stale) result: each clear bumps a generation that loads compare against.
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached value for `key`, or the result of `load` (cached when defined). */
  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > this.now()) return hit.value;
    const generation = this.generation;
    const value = await load();
    if (value !== undefined && generation === this.generation) {
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { value, expiresAt: this.now() + this.ttlMs });
    }
    return value;
  }

  /** Drops every entry; loads in flight will not store. */
  clear(): void {
    this.generation++;
    this.entries.clear();
  }
}
