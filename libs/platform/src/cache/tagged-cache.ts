export interface TaggedCacheOptions {
  /** How long an entry is trusted without a new read, should an invalidation ever go missing. */
  readonly ttlMs: number;
  /** Bounds memory: past this, the oldest entries make room. */
  readonly max: number;
  readonly now?: () => number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
  readonly tags: readonly string[];
}

/**
 * Records read from PostgreSQL kept in process, each filed under the tags of what it depends on
 * (`a:<account id>`, `r:<account id>` …); a change evicts a tag, and with it every record that
 * depends on it. Correct only while every change is heard: the owner trusts the cache once it
 * hears changes (LISTEN in place) and stops trusting it when it may not (the connection dropped),
 * which empties it and stores nothing.
 *
 * A read that raced with a change must not be stored: take a `ticket()` before reading and hand
 * it to `put()`; any eviction in between voids it.
 */
export class TaggedCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly byTag = new Map<string, Set<string>>();
  private readonly now: () => number;
  private generation = 0;
  private trusted = false;

  constructor(private readonly options: TaggedCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The cache's clock in epoch ms: one reading can serve a batch of `get`s. */
  time(): number {
    return this.now();
  }

  /** The value under `key`, unless it expired by `at` (now, or the batch's `time()`). */
  get(key: string, at: number = this.now()): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= at) {
      this.remove(key, entry);
      return undefined;
    }
    return entry.value;
  }

  ticket(): number {
    return this.generation;
  }

  /** Stores `value` unless untrusted or something was evicted since `ticket`; `until` shortens its life. */
  put(key: string, value: V, tags: readonly string[], ticket: number, until?: number): void {
    if (!this.trusted || ticket !== this.generation) return;
    const old = this.entries.get(key);
    if (old) this.remove(key, old);
    if (this.entries.size >= this.options.max) {
      const oldest = this.entries.entries().next();
      if (!oldest.done) this.remove(oldest.value[0], oldest.value[1]);
    }
    const expiresAt = Math.min(this.now() + this.options.ttlMs, until ?? Infinity);
    // Every reader gets this very object (in process, nothing copies it): frozen, no reader can
    // change what the next one is served.
    this.entries.set(key, { value: deepFreeze(value), expiresAt, tags });
    for (const tag of tags) {
      let keys = this.byTag.get(tag);
      if (!keys) this.byTag.set(tag, (keys = new Set()));
      keys.add(key);
    }
  }

  /** Forgets every entry filed under `tag`. */
  evict(tag: string): void {
    this.generation += 1;
    const keys = this.byTag.get(tag);
    if (!keys) return;
    for (const key of [...keys]) {
      const entry = this.entries.get(key);
      if (entry) this.remove(key, entry);
    }
    this.byTag.delete(tag);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
    this.byTag.clear();
  }

  startTrusting(): void {
    this.clear();
    this.trusted = true;
  }

  stopTrusting(): void {
    this.trusted = false;
    this.clear();
  }

  get isTrusted(): boolean {
    return this.trusted;
  }

  private remove(key: string, entry: Entry<V>): void {
    this.entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.byTag.delete(tag);
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  for (const inner of Object.values(value)) deepFreeze(inner);
  return Object.freeze(value);
}
