/**
 * A small in-process cache whose entries expire after `ttlMs`, for lookups on every request (API keys,
 * dialect accounts) that change rarely. Expiry bounds how long a change made elsewhere (another
 * instance, an operator) goes unseen here; changes made through this process call `clear`.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 10_000,
  ) {}

  /** The cached value, or `load`'s (cached only when not null: unknown keys are always looked up). */
  async get(key: string, load: () => Promise<V | null>, now = Date.now()): Promise<V | null> {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt > now) return entry.value;
    const value = await load();
    if (value === null) {
      this.#entries.delete(key);
      return null;
    }
    if (this.#entries.size >= this.capacity) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  clear(): void {
    this.#entries.clear();
  }
}
