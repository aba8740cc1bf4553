import type { TokenGrant } from '@mammut/contracts';
import { GrantCache } from './grant-cache';

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
  it('files a grant under its token, its user and its account, as the triggers notify them', () => {
    const cache = new GrantCache({ now: () => new Date(), millis: () => Date.now() });
    cache.startTrusting();
    for (const [digest, userId, accountId] of [
      ['a', '1', '101'],
      ['b', '1', '101'],
      ['c', '2', '102'],
      ['d', '3', '103'],
    ]) {
      cache.putGrant(digest, grant(userId, accountId), cache.ticket());
    }
    cache.putGrant('app', { tokenId: '9', applicationId: '2', scopes: ['read'], user: null }, cache.ticket());
    cache.evict('t:d');
    expect(cache.grantOf('d')).toBeUndefined();
    cache.evict('u:1');
    expect(cache.grantOf('a')).toBeUndefined();
    expect(cache.grantOf('b')).toBeUndefined();
    expect(cache.grantOf('c')?.user?.userId).toBe('2');
    cache.evict('a:102');
    expect(cache.grantOf('c')).toBeUndefined();
    expect(cache.grantOf('app')?.tokenId).toBe('9');
  });
});
