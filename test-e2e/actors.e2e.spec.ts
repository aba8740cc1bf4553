import { createPublicKey } from 'node:crypto';
import { saveRemoteAccount, seedUser, seedUsers, type SeededUser } from './support/factories';
import { useTestSystem } from './support/system';

jest.setTimeout(60_000);

interface Actor {
  '@context': unknown[];
  id: string;
  type: string;
  preferredUsername: string;
  name: string;
  summary: string;
  url: string;
  inbox: string;
  outbox: string;
  followers: string;
  following: string;
  manuallyApprovesFollowers: boolean;
  suspended?: boolean;
  endpoints: { sharedInbox: string };
  publicKey: { id: string; owner: string; publicKeyPem: string };
}

const AS = 'application/activity+json';

/**
 * Local accounts as ActivityPub actors, served by the federation service through the gateway: the
 * document peers fetch at an account's id, with the key it signs with.
 */
describe('actor documents', () => {
  const sut = useTestSystem();
  let alice: SeededUser;

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice', 'bob']);
  });

  const fetchActor = (path: string, accept = AS): Promise<Response> =>
    fetch(`${sut.t.url}${path}`, { headers: { accept }, redirect: 'manual' });

  it('serves a local account as a Person with its collections, shared inbox and RSA key', async () => {
    const response = await fetchActor('/users/alice');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/activity+json; charset=utf-8');
    expect(response.headers.get('vary')).toContain('Accept');
    const actor = (await response.json()) as Actor;
    const id = `${sut.t.url}/users/alice`;
    expect(actor).toMatchObject({
      id,
      type: 'Person',
      preferredUsername: 'alice',
      name: 'alice',
      url: `${sut.t.url}/@alice`,
      inbox: `${id}/inbox`,
      outbox: `${id}/outbox`,
      followers: `${id}/followers`,
      following: `${id}/following`,
      manuallyApprovesFollowers: false,
      endpoints: { sharedInbox: `${sut.t.url}/inbox` },
      publicKey: { id: `${id}#main-key`, owner: id },
    });
    expect(actor['@context'][0]).toBe('https://www.w3.org/ns/activitystreams');
    const key = createPublicKey(actor.publicKey.publicKeyPem);
    expect(key.asymmetricKeyType).toBe('rsa');
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);

    // The same key every time, and the private half stored sealed, never as PEM.
    const again = (await (await fetchActor('/users/alice', 'application/ld+json')).json()) as Actor;
    expect(again.publicKey.publicKeyPem).toBe(actor.publicKey.publicKeyPem);
    const { rows } = await sut.db.query<{ private_key: string }>(
      `SELECT private_key FROM federation.actor_keys WHERE account_id = $1`,
      [alice.accountId],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].private_key).toMatch(/^v1:/);
    expect(rows[0].private_key).not.toContain('PRIVATE KEY');
  });

  it('is where WebFinger points', async () => {
    const jrd = (await (
      await fetch(`${sut.t.url}/.well-known/webfinger?resource=acct:alice@${new URL(sut.t.url).host}`)
    ).json()) as { links: { rel: string; href?: string }[] };
    const self = jrd.links.find((link) => link.rel === 'self')?.href;
    expect(self).toBe(`${sut.t.url}/users/alice`);
    expect(((await (await fetch(self as string, { headers: { accept: AS } })).json()) as Actor).id).toBe(
      self,
    );
  });

  it('sends a browser to the profile page', async () => {
    const response = await fetchActor('/users/alice', 'text/html');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(`${sut.t.url}/@alice`);
    expect(response.headers.get('vary')).toContain('Accept');
  });

  it('gives one key pair to a new actor however many peers ask at once', async () => {
    await seedUser(sut.t, { username: 'carol' });
    const actors = await Promise.all(
      Array.from({ length: 5 }, async () => (await (await fetchActor('/users/carol')).json()) as Actor),
    );
    expect(new Set(actors.map((actor) => actor.publicKey.publicKeyPem)).size).toBe(1);
  });

  it('strips a suspended account to what identifies it', async () => {
    const dave = await seedUser(sut.t, { username: 'dave' });
    await sut.db.query(`UPDATE accounts.accounts SET note = '<p>hello</p>' WHERE id = $1`, [dave.accountId]);
    await sut.db.query(`UPDATE accounts.accounts SET suspended_at = now() WHERE id = $1`, [dave.accountId]);
    const response = await fetchActor('/users/dave');
    expect(response.status).toBe(200);
    const actor = (await response.json()) as Actor;
    expect(actor).toMatchObject({ suspended: true, name: '', summary: '', preferredUsername: 'dave' });
    expect(actor.publicKey.publicKeyPem).toContain('BEGIN PUBLIC KEY');
  });

  it('answers 404 for unknown, malformed and remote accounts', async () => {
    await saveRemoteAccount(sut.t.system.runtime.bus, 'eve', 'remote.example');
    for (const path of ['/users/nobody', '/users/eve@remote.example', '/users/a%2Fb', '/users/%C3%A9']) {
      const response = await fetchActor(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'Record not found' });
    }
    // Not even a path: refused before anything reads it.
    const malformed = await fetchActor('/users/%E0%A4%A');
    expect(malformed.status).toBe(400);
    expect(typeof ((await malformed.json()) as { error?: unknown }).error).toBe('string');
    expect((await fetchActor('/users/alice/nothing-here')).status).toBe(404);
  });
});
