import { lrddTemplate, parseHandle, parseJrd } from './jrd';

const AS = 'application/activity+json';
const jrd = (links: unknown, subject: unknown = 'acct:bob@remote.example'): string =>
  JSON.stringify({ subject, links });
const self = (href: string, type = AS) => ({ rel: 'self', type, href });

describe('parseJrd', () => {
  it('reads the subject and the ActivityPub self link', () => {
    const body = jrd([
      {
        rel: 'http://webfinger.net/rel/profile-page',
        type: 'text/html',
        href: 'https://remote.example/@bob',
      },
      self('https://remote.example/users/bob'),
    ]);
    expect(parseJrd(body, 'https')).toEqual({
      ok: true,
      answer: {
        subject: { username: 'bob', domain: 'remote.example' },
        actorUri: 'https://remote.example/users/bob',
      },
    });
  });

  it('takes the ld+json type with the ActivityStreams profile, and the first usable self link', () => {
    const body = jrd([
      self('https://remote.example/bob.html', 'text/html'),
      self(
        'https://remote.example/users/bob',
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
      ),
    ]);
    const parsed = parseJrd(body, 'https');
    expect(parsed.ok && parsed.answer.actorUri).toBe('https://remote.example/users/bob');
  });

  it.each([
    ['not JSON', '<html>', 'not JSON'],
    ['JSON that is no object', '[1, 2]', 'not a JRD'],
    ['no subject', JSON.stringify({ links: [self('https://remote.example/users/bob')] }), 'no acct subject'],
    [
      'a subject that is no handle',
      jrd([self('https://remote.example/users/bob')], 'https://remote.example/bob'),
      'no acct subject',
    ],
    ['no links', JSON.stringify({ subject: 'acct:bob@remote.example' }), 'no links'],
    [
      'no self link',
      jrd([{ rel: 'http://webfinger.net/rel/profile-page', href: 'https://remote.example/@bob' }]),
      'no ActivityPub self link',
    ],
    [
      'a self link of another type',
      jrd([self('https://remote.example/users/bob', 'application/json')]),
      'no ActivityPub self link',
    ],
    ['a self link without href', jrd([{ rel: 'self', type: AS }]), 'self link is not a URL we may fetch'],
    ['a self link that is no URL', jrd([self('/users/bob')]), 'self link is not a URL we may fetch'],
    [
      'a self link of another scheme',
      jrd([self('ftp://remote.example/users/bob')]),
      'self link is not a URL we may fetch',
    ],
  ])('refuses %s', (_, body, error) => {
    expect(parseJrd(body, 'https')).toEqual({ ok: false, error });
  });

  it('refuses a plain http self link when federation runs on https, and takes it on http', () => {
    const body = jrd([self('http://remote.example/users/bob')]);
    expect(parseJrd(body, 'https')).toEqual({ ok: false, error: 'self link is not a URL we may fetch' });
    expect(parseJrd(body, 'http').ok).toBe(true);
  });
});

describe('parseHandle', () => {
  it.each([
    ['bob@remote.example', 'bob', 'remote.example'],
    ['@Bob@Remote.Example', 'Bob', 'Remote.Example'],
    ['acct:bob@127.0.0.1:3000', 'bob', '127.0.0.1:3000'],
  ])('%s is %s at %s', (text, username, domain) => {
    expect(parseHandle(text)).toEqual({ username, domain });
  });

  it.each([
    'bob',
    '@bob',
    'bob@',
    '@remote.example',
    'bo b@remote.example',
    'bob@remote.example/path',
    'bob@-x.example',
  ])('%s is not a handle', (text) => {
    expect(parseHandle(text)).toBeNull();
  });
});

describe('lrddTemplate', () => {
  const xrd = (link: string): string =>
    `<?xml version="1.0" encoding="UTF-8"?><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">${link}</XRD>`;

  it('reads the lrdd template, entities unescaped', () => {
    const template = 'https://social.example/.well-known/webfinger?a=1&amp;resource={uri}';
    expect(
      lrddTemplate(xrd(`<Link rel="lrdd" type="application/xrd+xml" template="${template}"/>`), 'https'),
    ).toBe('https://social.example/.well-known/webfinger?a=1&resource={uri}');
  });

  it.each([
    ['no lrdd link', xrd('<Link rel="author" template="https://x.example/{uri}"/>')],
    ['a template without {uri}', xrd('<Link rel="lrdd" template="https://x.example/webfinger"/>')],
    [
      'a plain http template on https',
      xrd('<Link rel="lrdd" template="http://x.example/webfinger?resource={uri}"/>'),
    ],
    ['not XML', '{"links": []}'],
  ])('answers null for %s', (_, body) => {
    expect(lrddTemplate(body, 'https')).toBeNull();
  });
});
