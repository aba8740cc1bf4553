import DataLoader from 'dataloader';
import type { TaggedCache } from './tagged-cache';

/** One value read from the source of truth, with what its cache entry is filed under. */
export interface ReadEntry<V> {
  readonly key: string;
  readonly value: V;
  readonly tags: readonly string[];
  /** When the entry must end at the latest (a timed mute, a filter's expiry), in epoch ms. */
  readonly until?: number;
}

/**
 * Reads through a TaggedCache: what it holds is answered from memory, the rest is read with
 * `read`, together with every other miss of the same turn of the event loop (DataLoader), and kept.
 * Hundreds of readers asking at once (a stream event presented to each of hundreds of sockets)
 * cost one query. Only keys `read` answers are kept and found; the ticket taken before each read
 * keeps a value that raced with a change out of the cache.
 */
export class ReadThrough<V> {
  private readonly loader: DataLoader<string, V | undefined>;

  constructor(
    private readonly cache: TaggedCache<V>,
    read: (keys: string[]) => Promise<Iterable<ReadEntry<V>>>,
  ) {
    this.loader = new DataLoader<string, V | undefined>(
      async (keys) => {
        const ticket = cache.ticket();
        const found = new Map<string, V>();
        for (const entry of await read([...new Set(keys)])) {
          found.set(entry.key, entry.value);
          cache.put(entry.key, entry.value, entry.tags, ticket, entry.until);
        }
        return keys.map((key) => found.get(key));
      },
      // Batches collect every load of this turn, however deep in promise chains it is made; no
      // memo of its own: the cache is the memo, and it hears changes.
      { cache: false, batchScheduleFn: (dispatch) => setImmediate(dispatch) },
    );
  }

  /** The values found, by key. */
  async getMany(keys: Iterable<string>): Promise<Map<string, V>> {
    const found = new Map<string, V>();
    const unseen: string[] = [];
    // One clock reading for the batch: a page asks for forty keys and more at once.
    const at = this.cache.time();
    for (const key of new Set(keys)) {
      const cached = this.cache.get(key, at);
      if (cached === undefined) unseen.push(key);
      else found.set(key, cached);
    }
    if (unseen.length) {
      const read = await this.loader.loadMany(unseen);
      read.forEach((value, i) => {
        if (value instanceof Error) throw value;
        if (value !== undefined) found.set(unseen[i], value);
      });
    }
    return found;
  }
}
