import { createRestAPIClient, type mastodon } from 'masto';
import { seedUser } from '../../../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../../../test-e2e/support/system';
import { apiCall } from '../../../../../../test-e2e/support/http';

jest.setTimeout(60_000);

/** `<url>; rel="next"` → url, from a Link header. */
function linkOf(header: string | null, rel: 'next' | 'prev'): string | undefined {
  return header
    ?.split(',')
    .map((part) => /<([^>]+)>;\s*rel="(\w+)"/.exec(part.trim()))
    .find((match) => match?.[2] === rel)?.[1];
}

/** Who acts: a token and its account. */
interface User {
  readonly accountId: string;
  readonly token: string;
}

describe('followers, following, domain blocks, notes, endorsements and familiar followers over HTTP', () => {
  let t: TestSystem;
  /** 45 fans follow the star, in fan order; no test changes either. */
  let star: User;
  let fans: User[];
  /** A user whose token may only read. */
  let reader: User;
  const as = (user: User): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const anonymous = (): mastodon.rest.Client => createRestAPIClient({ url: t.url });
  /** Each test signs up the people it changes. */
  const user = (username: string): Promise<User> => seedUser(t, { username });

  beforeAll(async () => {
    t = await startTestSystem();
    star = await user('star');
    reader = await seedUser(t, { username: 'reader', scopes: ['read'] });
    fans = await Promise.all(Array.from({ length: 45 }, (_, i) => user(`fan${i}`)));
    // One at a time, so follow row ids (the cursors) increase with the fan index.
    for (const fan of fans) await as(fan).v1.accounts.$select(star.accountId).follow();
  });

  afterAll(async () => {
    await t?.stop();
  });

  const call = (path: string, init: RequestInit & { token?: string } = {}): Promise<Response> =>
    apiCall(t.url, path, init);
  const ids = (accounts: { id: string }[]): string[] => accounts.map((a) => a.id);

  it('pages followers newest first through Link next and prev with masto’s paginator', async () => {
    const newestFirst = fans.map((fan) => fan.accountId).reverse();
    const pages: string[][] = [];
    for await (const page of anonymous().v1.accounts.$select(star.accountId).followers.list({ limit: 20 })) {
      pages.push(ids(page));
    }
    expect(pages.map((p) => p.length)).toEqual([20, 20, 5]);
    expect(pages.flat()).toEqual(newestFirst);

    const first = await call(`/api/v1/accounts/${star.accountId}/followers?limit=20&local=true`);
    expect(first.status).toBe(200);
    const next = linkOf(first.headers.get('link'), 'next');
    expect(next).toMatch(new RegExp(`^${t.url}/api/v1/accounts/${star.accountId}/followers\\?`));
    expect(next).toContain('local=true');
    expect(next).toContain('limit=20');
    const second = await fetch(next as string);
    expect(ids((await second.json()) as { id: string }[])).toEqual(newestFirst.slice(20, 40));
    const last = await fetch(linkOf(second.headers.get('link'), 'next') as string);
    expect(ids((await last.json()) as { id: string }[])).toEqual(newestFirst.slice(40));
    // A short page is the last one: `prev` only, so the paginator stops without an empty fetch.
    expect(linkOf(last.headers.get('link'), 'next')).toBeUndefined();
    expect(linkOf(last.headers.get('link'), 'prev')).toContain('min_id=');
    const prev = linkOf(second.headers.get('link'), 'prev');
    expect(prev).toContain('min_id=');
    expect(prev).not.toContain('max_id=');
    expect(ids((await (await fetch(prev as string)).json()) as { id: string }[])).toEqual(
      newestFirst.slice(0, 20),
    );

    const clamped = await call(`/api/v1/accounts/${star.accountId}/followers?limit=500`);
    expect(((await clamped.json()) as unknown[]).length).toBe(45);
    const byDefault = await call(`/api/v1/accounts/${star.accountId}/followers`);
    expect(((await byDefault.json()) as unknown[]).length).toBe(40);
    const past = await call(`/api/v1/accounts/${star.accountId}/followers?max_id=1`);
    expect(await past.json()).toEqual([]);
    expect(past.headers.get('link')).toBeNull();

    const following = await anonymous().v1.accounts.$select(fans[0].accountId).following.list();
    expect(ids(following)).toEqual([star.accountId]);
    const star2 = await anonymous().v1.accounts.$select(star.accountId).fetch();
    expect(star2.followersCount).toBe(45);
  });

  it('hides collections from everyone but the owner, and a blocker’s lists from the blocked', async () => {
    const [shy, alice, bob] = [await user('shy'), await user('hidden_from'), await user('shown_to')];
    const followers = [await user('shy_fan1'), await user('shy_fan2')];
    for (const fan of followers) await as(fan).v1.accounts.$select(shy.accountId).follow();
    const followerIds = followers.map((fan) => fan.accountId).sort();
    await as(shy).v1.accounts.$select(followers[0].accountId).follow();

    await as(shy).v1.accounts.updateCredentials({ hideCollections: true });
    expect(await anonymous().v1.accounts.$select(shy.accountId).followers.list()).toEqual([]);
    expect(await as(alice).v1.accounts.$select(shy.accountId).following.list()).toEqual([]);
    expect(ids(await as(shy).v1.accounts.$select(shy.accountId).followers.list()).sort()).toEqual(
      followerIds,
    );
    await as(shy).v1.accounts.updateCredentials({ hideCollections: false });

    await as(shy).v1.accounts.$select(alice.accountId).block();
    expect(await as(alice).v1.accounts.$select(shy.accountId).followers.list()).toEqual([]);
    expect(ids(await as(bob).v1.accounts.$select(shy.accountId).followers.list()).sort()).toEqual(
      followerIds,
    );
    await as(shy).v1.accounts.$select(alice.accountId).unblock();
    expect(ids(await as(alice).v1.accounts.$select(shy.accountId).followers.list()).sort()).toEqual(
      followerIds,
    );

    for (const path of ['/api/v1/accounts/1/followers', '/api/v1/accounts/abc/following']) {
      const response = await call(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'Record not found' });
    }
  });

  it('adds, lists and removes domain blocks, normalising the domain; DELETE takes a form body', async () => {
    const alice = await user('domain_blocker');
    await as(alice).v1.domainBlocks.create({ domain: '  Example.COM ' });
    const form = await call('/api/v1/domain_blocks', {
      method: 'POST',
      token: alice.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'domain=b%C3%BCcher.example',
    });
    expect(form.status).toBe(200);
    expect(await form.json()).toEqual({});
    const again = await call('/api/v1/domain_blocks?domain=example.com', {
      method: 'POST',
      token: alice.token,
    });
    expect(again.status).toBe(200);
    const list = await call('/api/v1/domain_blocks', { token: alice.token });
    expect(await list.json()).toEqual(['xn--bcher-kva.example', 'example.com']);
    expect(linkOf(list.headers.get('link'), 'prev')).toMatch(new RegExp(`^${t.url}/api/v1/domain_blocks\\?`));
    const one = await call('/api/v1/domain_blocks?limit=1', { token: alice.token });
    expect(await one.json()).toEqual(['xn--bcher-kva.example']);
    const rest = await fetch(linkOf(one.headers.get('link'), 'next') as string, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(await rest.json()).toEqual(['example.com']);

    for (const domain of [
      'https://evil.example/path',
      'evil.example/path',
      '-bad-.example',
      'a b.example',
      '*.x.y',
    ]) {
      const bad = await call('/api/v1/domain_blocks', {
        method: 'POST',
        token: alice.token,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ domain }),
      });
      expect(bad.status).toBe(422);
    }
    const missing = await call('/api/v1/domain_blocks', { method: 'POST', token: alice.token });
    expect(missing.status).toBe(400);
    const readOnly = await call('/api/v1/domain_blocks?domain=x.example', {
      method: 'POST',
      token: reader.token,
    });
    expect(readOnly.status).toBe(403);

    const removed = await call('/api/v1/domain_blocks', {
      method: 'DELETE',
      token: alice.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'domain=EXAMPLE.com',
    });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toEqual({});
    await as(alice).v1.domainBlocks.remove({ domain: 'bücher.example' });
    expect(await as(alice).v1.domainBlocks.list()).toEqual([]);
  });

  it('keeps a private note, refusing one over 2000 characters without changing it', async () => {
    const [alice, bob] = [await user('noter'), await user('noted')];
    const noted = await as(alice)
      .v1.accounts.$select(bob.accountId)
      .note.create({ comment: 'met at the café' });
    expect(noted.note).toBe('met at the café');
    const tooLong = await call(`/api/v1/accounts/${bob.accountId}/note`, {
      method: 'POST',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ comment: 'x'.repeat(2001) }),
    });
    expect(tooLong.status).toBe(422);
    expect(((await tooLong.json()) as { error: string }).error).toMatch(/^Validation failed: /);
    const unchanged = await as(alice).v1.accounts.relationships.fetch({ id: [bob.accountId] });
    expect(unchanged[0].note).toBe('met at the café');
    expect((await as(bob).v1.accounts.relationships.fetch({ id: [alice.accountId] }))[0].note).toBe('');
    const cleared = await as(alice).v1.accounts.$select(bob.accountId).note.create({ comment: '' });
    expect(cleared.note).toBe('');
  });

  it('endorses only followed accounts; lists them publicly; unfollowing drops the endorsement', async () => {
    const [alice, bob, carol] = [await user('endorser'), await user('endorsed1'), await user('endorsed2')];
    const refused = await call(`/api/v1/accounts/${bob.accountId}/endorse`, {
      method: 'POST',
      token: alice.token,
    });
    expect(refused.status).toBe(422);
    await as(alice).v1.accounts.$select(bob.accountId).follow();
    await as(alice).v1.accounts.$select(carol.accountId).follow();
    expect((await as(alice).v1.accounts.$select(bob.accountId).endorse()).endorsed).toBe(true);
    expect((await as(alice).v1.accounts.$select(carol.accountId).pin()).endorsed).toBe(true);
    expect(ids(await anonymous().v1.accounts.$select(alice.accountId).endorsements.list())).toEqual([
      carol.accountId,
      bob.accountId,
    ]);
    expect(ids(await as(alice).v1.endorsements.list())).toEqual([carol.accountId, bob.accountId]);
    expect((await as(alice).v1.accounts.$select(carol.accountId).unpin()).endorsed).toBe(false);
    await as(alice).v1.accounts.$select(bob.accountId).unfollow();
    expect(await as(alice).v1.endorsements.list()).toEqual([]);
    const wrongScope = await call(`/api/v1/accounts/${carol.accountId}/endorse`, {
      method: 'POST',
      token: reader.token,
    });
    expect(wrongScope.status).toBe(403);
  });

  it('finds familiar followers: accounts the viewer follows that follow each target', async () => {
    const [alice, bob, carol] = [await user('curious'), await user('friend1'), await user('friend2')];
    const [known, unknown] = [await user('known'), await user('unknown')];
    // alice follows bob and carol, who both follow `known`; nobody alice follows follows `unknown`.
    await as(alice).v1.accounts.$select(bob.accountId).follow();
    await as(alice).v1.accounts.$select(carol.accountId).follow();
    await as(bob).v1.accounts.$select(known.accountId).follow();
    await as(carol).v1.accounts.$select(known.accountId).follow();
    const response = await call(
      `/api/v1/accounts/familiar_followers?id[]=${known.accountId}&id[]=1&id[]=${unknown.accountId}`,
      { token: alice.token },
    );
    expect(response.status).toBe(200);
    const familiar = (await response.json()) as { id: string; accounts: { id: string; acct: string }[] }[];
    expect(familiar.map((f) => f.id)).toEqual([known.accountId, unknown.accountId]);
    expect(familiar[0].accounts.map((a) => a.id).sort()).toEqual([bob.accountId, carol.accountId].sort());
    expect(familiar[1].accounts).toEqual([]);
    const unauthorized = await call(`/api/v1/accounts/familiar_followers?id[]=${known.accountId}`);
    expect(unauthorized.status).toBe(401);
  });
});
