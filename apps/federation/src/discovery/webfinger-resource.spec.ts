import { parseWebfingerResource } from './webfinger-resource';

const host = { localDomain: 'Social.Example:3000', publicOrigin: 'https://social.example:3000' };

describe('parseWebfingerResource', () => {
  it.each([
    ['acct:alice@social.example:3000', 'alice'],
    ['alice@SOCIAL.example:3000', 'alice'],
    ['acct:@Alice@social.example:3000', 'Alice'],
    ['https://social.example:3000/users/alice', 'alice'],
    ['https://social.example:3000/@alice', 'alice'],
    ['https://social.example:3000/@alice/', 'alice'],
  ])('%s names the local account %s', (resource, username) => {
    expect(parseWebfingerResource(resource, host)).toEqual({ kind: 'local', username });
  });

  it.each([
    'acct:alice@mastodon.social',
    'acct:alice@social.example',
    'https://mastodon.social/users/alice',
    'https://social.example:3000/about',
    'https://social.example:3000/users/alice/statuses/1',
    'acct:al.ice@social.example:3000',
  ])('%s is not ours (404)', (resource) => {
    expect(parseWebfingerResource(resource, host)).toEqual({ kind: 'elsewhere' });
  });

  it.each([
    undefined,
    '',
    '   ',
    'alice',
    'acct:alice',
    'acct:@social.example:3000',
    'alice@',
    'x'.repeat(1001),
  ])('%s is malformed (400)', (resource) => {
    expect(parseWebfingerResource(resource, host)).toEqual({ kind: 'invalid' });
  });
});
