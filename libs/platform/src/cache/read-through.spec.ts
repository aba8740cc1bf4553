import { ReadThrough } from './read-through';
import { TaggedCache } from './tagged-cache';

describe('ReadThrough', () => {
  const setup = () => {
    const cache = new TaggedCache<string>({ ttlMs: 60_000, max: 100 });
    cache.startTrusting();
    const reads: string[][] = [];
    const source = new Map([
      ['1', 'one'],
      ['2', 'two'],
      ['3', 'three'],
    ]);
    const hooks: { duringRead?: () => void } = {};
    const through = new ReadThrough(cache, async (keys) => {
      reads.push(keys);
      await Promise.resolve();
      hooks.duringRead?.();
      return keys.flatMap((key) => {
        const value = source.get(key);
        return value === undefined ? [] : [{ key, value, tags: [`t:${key}`] }];
      });
    });
    return { cache, reads, through, source, hooks };
  };

  it('reads the misses of one turn together, once each, and keeps what it found', async () => {
    const { reads, through } = setup();
    const asked = await Promise.all([
      through.getMany(['1', '2']),
      through.getMany(['2', '3', '9']),
      Promise.resolve().then(() => through.getMany(['1'])),
    ]);
    expect(reads).toHaveLength(1);
    expect(reads[0].sort()).toEqual(['1', '2', '3', '9']);
    expect([...asked[1]]).toEqual([
      ['2', 'two'],
      ['3', 'three'],
    ]);
    expect(asked[2].get('1')).toBe('one');
    // Found ones are kept; the unknown one is asked again.
    expect((await through.getMany(['1', '2', '3'])).size).toBe(3);
    expect(reads).toHaveLength(1);
    await through.getMany(['9']);
    expect(reads).toHaveLength(2);
  });

  it('reads again what a change evicted, and keeps nothing a change raced with', async () => {
    const { cache, reads, through, source, hooks } = setup();
    await through.getMany(['1']);
    source.set('1', 'uno');
    cache.evict('t:1');
    expect((await through.getMany(['1'])).get('1')).toBe('uno');
    expect(reads).toHaveLength(2);

    // A change lands while the read is under way: the answer is used, not kept.
    source.set('2', 'dos');
    hooks.duringRead = () => cache.evict('t:other');
    expect((await through.getMany(['2'])).get('2')).toBe('dos');
    expect(cache.get('2')).toBeUndefined();
  });

  it('keeps nothing while its cache is not trusted', async () => {
    const { cache, reads, through } = setup();
    cache.stopTrusting();
    await through.getMany(['1']);
    await through.getMany(['1']);
    expect(reads).toHaveLength(2);
  });
});
