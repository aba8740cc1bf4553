import { TaggedCache } from './tagged-cache';

describe('TaggedCache', () => {
  let now: number;
  let cache: TaggedCache<string>;

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    cache = new TaggedCache<string>({ ttlMs: 30_000, max: 3, now: () => now });
    cache.startTrusting();
  });

  it('serves a stored value until its time, or the shorter time it was given, is up', () => {
    cache.put('k', 'v', [], cache.ticket());
    cache.put('short', 'v', [], cache.ticket(), now + 1_000);
    now += 999;
    expect(cache.get('short')).toBe('v');
    now += 1;
    expect(cache.get('short')).toBeUndefined();
    now += 30_000 - 1_000 - 1;
    expect(cache.get('k')).toBe('v');
    now += 1;
    expect(cache.get('k')).toBeUndefined();
  });

  it('answers a batch at the instant of one clock reading', () => {
    cache.put('k', 'v', [], cache.ticket(), now + 1_000);
    const at = cache.time();
    expect(at).toBe(now);
    now += 1_000;
    // Read after the entry's end, but for a batch that began before it.
    expect(cache.get('k', at)).toBe('v');
    expect(cache.get('k', cache.time())).toBeUndefined();
  });

  it('serves frozen values, so no reader can change what the next one gets', () => {
    const records = new TaggedCache<{ fields: { name: string }[] }>({ ttlMs: 1_000, max: 10 });
    records.startTrusting();
    records.put('k', { fields: [{ name: 'a' }] }, [], records.ticket());
    const served = records.get('k');
    expect(Object.isFrozen(served)).toBe(true);
    expect(Object.isFrozen(served?.fields[0])).toBe(true);
  });

  it('evicts by tag every entry filed under it, and only those', () => {
    cache.put('1:2', 'a', ['r:1', 'r:2'], cache.ticket());
    cache.put('1:3', 'b', ['r:1', 'r:3'], cache.ticket());
    cache.put('4:3', 'c', ['r:4', 'r:3'], cache.ticket());
    cache.evict('r:2');
    expect([cache.get('1:2'), cache.get('1:3'), cache.get('4:3')]).toEqual([undefined, 'b', 'c']);
    cache.evict('r:3');
    expect(cache.size).toBe(0);
  });

  it('does not store a read that raced with any eviction', () => {
    const ticket = cache.ticket();
    cache.evict('r:unrelated');
    cache.put('k', 'v', ['r:1'], ticket);
    expect(cache.get('k')).toBeUndefined();
  });

  it('stores nothing and serves nothing while changes may be missed', () => {
    cache.put('k', 'v', [], cache.ticket());
    cache.stopTrusting();
    expect(cache.get('k')).toBeUndefined();
    cache.put('k2', 'v', [], cache.ticket());
    expect(cache.get('k2')).toBeUndefined();
    const before = cache.ticket();
    cache.startTrusting();
    // A read begun while untrusted is not stored after trust comes back either.
    cache.put('k2', 'v', [], before);
    expect(cache.get('k2')).toBeUndefined();
  });

  it('makes room by dropping the oldest entry, and a replaced entry keeps no old tags', () => {
    for (const key of ['a', 'b', 'c', 'd']) cache.put(key, key, [`t:${key}`], cache.ticket());
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    cache.put('b', 'b2', ['t:other'], cache.ticket());
    cache.evict('t:b');
    expect(cache.get('b')).toBe('b2');
  });
});
