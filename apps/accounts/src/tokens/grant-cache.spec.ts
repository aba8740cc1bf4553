import type { TokenGrant } from '@mammut/contracts';
import { GRANT_CACHE_MAX, GRANT_TTL_MS, GrantCache } from './grant-cache';

const grant = (userId: string, accountId: string): TokenGrant => ({
  tokenId: '1',
  applicationId: '2',
  scopes: ['read'],
  user: {
    userId,
    accountId,
    role: 'user',
    confirmed: true,
    approved: true,
    disabled: false,
    suspended: false,
  },
});

describe('GrantCache', () => {
  let now: number;
  let cache: GrantCache;

  beforeEach(() => {
    now = Date.UTC(2026, 0, 1);
    cache = new GrantCache({ now: () => new Date(now) });
    cache.startTrusting();
  });

  it('serves a stored grant until its time is up', () => {
    cache.put('d1', grant('10', '20'), cache.ticket());
    expect(cache.get('d1')?.user?.userId).toBe('10');
    now += GRANT_TTL_MS - 1;
    expect(cache.get('d1')?.user?.userId).toBe('10');
    now += 1;
    expect(cache.get('d1')).toBeUndefined();
  });

  it('does not store a read that raced with any invalidation', () => {
    const ticket = cache.ticket();
    cache.forgetToken('some other token');
    cache.put('d1', grant('10', '20'), ticket);
    expect(cache.get('d1')).toBeUndefined();
  });

  it('stores nothing and serves nothing while invalidations may be missed', () => {
    cache.put('d1', grant('10', '20'), cache.ticket());
    cache.stopTrusting();
    expect(cache.get('d1')).toBeUndefined();
    cache.put('d2', grant('11', '21'), cache.ticket());
    expect(cache.get('d2')).toBeUndefined();
    const before = cache.ticket();
    cache.startTrusting();
    // A read begun while untrusted is not stored after trust comes back either.
    cache.put('d2', grant('11', '21'), before);
    expect(cache.get('d2')).toBeUndefined();
  });

  it('forgets by token, by user and by account, leaving the others', () => {
    for (const [digest, userId, accountId] of [
      ['a', '1', '101'],
      ['b', '1', '101'],
      ['c', '2', '102'],
      ['d', '3', '103'],
    ]) {
      cache.put(digest, grant(userId, accountId), cache.ticket());
    }
    cache.forgetToken('d');
    expect(cache.get('d')).toBeUndefined();
    cache.forgetUser('1');
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')?.user?.userId).toBe('2');
    cache.forgetAccount('102');
    expect(cache.get('c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('makes room by dropping the oldest entries', () => {
    for (let i = 0; i <= GRANT_CACHE_MAX; i += 1) cache.put(`d${i}`, grant(String(i), '1'), cache.ticket());
    expect(cache.size).toBe(GRANT_CACHE_MAX);
    expect(cache.get('d0')).toBeUndefined();
    expect(cache.get(`d${GRANT_CACHE_MAX}`)?.user?.userId).toBe(String(GRANT_CACHE_MAX));
  });
});
