import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUser, type SeededUser } from './support/factories';
import { freePort, useTestSystem } from './support/system';

jest.setTimeout(90_000);

const listening = async (server: Server, host: string): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `${host}:${(server.address() as AddressInfo).port}`;
};
const closed = (server: Server): Promise<unknown> => new Promise((resolve) => server.close(resolve));

/**
 * Two instances on loopback: a user of A finds a user of B by handle or actor URL, A asking B over
 * WebFinger and ActivityPub (through the guarded client, plain http allowed for the test), and
 * nothing is fetched where the client cannot be made to go.
 */
describe('remote account resolution between two instances', () => {
  const a = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const b = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  let alice: SeededUser;
  let client: mastodon.rest.Client;
  let bobAcct: string;

  beforeAll(async () => {
    alice = await seedUser(a.t, { username: 'alice' });
    const bob = await seedUser(b.t, { username: 'bob' });
    await createRestAPIClient({ url: b.t.url, accessToken: bob.token }).v1.accounts.updateCredentials({
      displayName: 'Bob of B',
      note: 'Lives on the other instance',
    });
    client = createRestAPIClient({ url: a.t.url, accessToken: alice.token });
    bobAcct = `bob@${b.t.domain}`;
  });

  const search = (q: string, resolve = true) => client.v2.search.list({ q, resolve, type: 'accounts' });
  const lookupStatus = async (acct: string): Promise<number> =>
    (await fetch(`${a.t.url}/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`)).status;

  it('finds bob by handle with resolve, after which lookup knows him', async () => {
    // Lookup never asks a remote server, as Mastodon's does not.
    expect(await lookupStatus(bobAcct)).toBe(404);
    const { accounts, statuses, hashtags } = await search(`@${bobAcct}`);
    expect(statuses).toEqual([]);
    expect(hashtags).toEqual([]);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({
      username: 'bob',
      acct: bobAcct,
      displayName: 'Bob of B',
      url: `${b.t.url}/@bob`,
    });
    expect(accounts[0].note).toContain('Lives on the other instance');

    const looked = await client.v1.accounts.lookup({ acct: bobAcct });
    expect(looked).toMatchObject({ id: accounts[0].id, acct: bobAcct, displayName: 'Bob of B' });
    // The same account by its actor URL, and without resolve now that it is known.
    const byUrl = await search(`${b.t.url}/users/bob`);
    expect(byUrl.accounts.map((account) => account.id)).toEqual([accounts[0].id]);
    expect((await search(bobAcct, false)).accounts.map((account) => account.id)).toEqual([accounts[0].id]);
  });

  it('gives one account to searches for one handle running at once', async () => {
    const carol = await seedUser(b.t, { username: 'carol' });
    const acct = `${carol.username}@${b.t.domain}`;
    const results = await Promise.all([1, 2, 3].map(() => search(acct)));
    const ids = results.map(({ accounts }) => accounts.map((account) => account.id));
    expect(ids[0]).toHaveLength(1);
    expect(ids).toEqual([ids[0], ids[0], ids[0]]);
  });

  it('finds a remote account by its actor URL first', async () => {
    await seedUser(b.t, { username: 'dave' });
    const { accounts } = await search(`${b.t.url}/users/dave`);
    expect(accounts.map((account) => account.acct)).toEqual([`dave@${b.t.domain}`]);
  });

  it('finds nobody for an unknown user or an unknown domain, and lookup answers 404', async () => {
    const port = await freePort();
    for (const acct of [`nobody@${b.t.domain}`, `nobody@127.0.0.1:${port}`]) {
      expect({ acct, accounts: (await search(acct)).accounts }).toEqual({ acct, accounts: [] });
      expect({ acct, status: await lookupStatus(acct) }).toEqual({ acct, status: 404 });
    }
    expect((await search(`${b.t.url}/users/nobody`)).accounts).toEqual([]);
  });

  it('asks nothing of a domain on an address that is not allowed', async () => {
    let connections = 0;
    const canary = createServer((_request, response) => response.end());
    canary.on('connection', () => (connections += 1));
    const host = await listening(canary, '127.0.0.2');
    try {
      expect((await search(`mallory@${host}`)).accounts).toEqual([]);
      expect((await search(`http://${host}/users/mallory`)).accounts).toEqual([]);
      expect(connections).toBe(0);
    } finally {
      await closed(canary);
    }
  });

  it('follows host-meta when a domain has no WebFinger, and a subject that names another handle', async () => {
    // A domain answering WebFinger only at host-meta's lrdd template, with a subject on B: the
    // account is B's, once B's own WebFinger confirms that subject.
    const asked: string[] = [];
    const elsewhere = createServer((request, response) => {
      asked.push(request.url ?? '');
      if (request.url === '/.well-known/host-meta') {
        response.writeHead(200, { 'content-type': 'application/xrd+xml' });
        response.end(
          `<?xml version="1.0"?><XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0"><Link rel="lrdd" template="http://${host}/lrdd?resource={uri}"/></XRD>`,
        );
      } else if (request.url?.startsWith('/lrdd?')) {
        response.writeHead(200, { 'content-type': 'application/jrd+json' });
        response.end(
          JSON.stringify({
            subject: `acct:erin@${b.t.domain}`,
            links: [{ rel: 'self', type: 'application/activity+json', href: `${b.t.url}/users/erin` }],
          }),
        );
      } else response.writeHead(404).end();
    });
    const host = await listening(elsewhere, '127.0.0.1');
    try {
      await seedUser(b.t, { username: 'erin' });
      const { accounts } = await search(`erin@${host}`);
      expect(accounts.map((account) => account.acct)).toEqual([`erin@${b.t.domain}`]);
      expect(asked.map((url) => url.split('?')[0])).toEqual([
        '/.well-known/webfinger',
        '/.well-known/host-meta',
        '/lrdd',
      ]);
    } finally {
      await closed(elsewhere);
    }
  });

  it('refuses to resolve without a user token, and wants q', async () => {
    const response = await fetch(`${a.t.url}/api/v2/search?q=${encodeURIComponent(bobAcct)}&resolve=true`);
    expect(response.status).toBe(401);
    expect((await fetch(`${a.t.url}/api/v2/search`)).status).toBe(400);
    const known = (await (
      await fetch(`${a.t.url}/api/v2/search?q=${encodeURIComponent(bobAcct)}`)
    ).json()) as {
      accounts: { acct: string }[];
    };
    expect(known.accounts.map((account) => account.acct)).toEqual([bobAcct]);
  });

  it('still answers WebFinger and NodeInfo on A, through the gateway', async () => {
    const finger = await fetch(`${a.t.url}/.well-known/webfinger?resource=acct:alice@${a.t.domain}`);
    expect(finger.status).toBe(200);
    expect(((await finger.json()) as { subject: string }).subject).toBe(`acct:alice@${a.t.domain}`);
    const nodeinfo = await fetch(`${a.t.url}/nodeinfo/2.0`);
    expect(((await nodeinfo.json()) as { usage: { users: { total: number } } }).usage.users.total).toBe(1);
  });
});
