import { seedUsers, type SeededUser } from './support/factories';
import { apiCall } from './support/http';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { clientOf, followAcross } from './support/federation';
import { pollUntil } from './support/poll';
import { settled, type TestSystem, useTestSystem } from './support/system';

jest.setTimeout(180_000);

const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };
const AS = 'https://www.w3.org/ns/activitystreams';

/**
 * Account migration between two Mammut instances, through the settings routes and the client
 * API: an account names its old self as an alias, the old one moves to it, the followers on the
 * other server follow the new account and the old one shows `moved`, both ways; a Move the target
 * does not vouch for changes nothing.
 */
describe('account migration over ActivityPub', () => {
  const a = useTestSystem(FEDERATING);
  const b = useTestSystem(FEDERATING);
  const peer = new Peer();
  const malloryKeys = keyPair();
  let carol: SeededUser;
  let alice2: SeededUser;
  let erin: SeededUser;
  let frank: SeededUser;
  let alice: SeededUser;
  let dave: SeededUser;
  let erin2: SeededUser;
  let gina: SeededUser;

  const client = clientOf;
  const uriOf = (t: TestSystem, user: SeededUser): string => `${t.url}/users/${user.username}`;
  const all = () => Promise.all([settled(a.t), settled(b.t)]);

  const settings = async (
    t: TestSystem,
    user: SeededUser,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> => {
    const response = await apiCall(t.url, `/api/v1/mammut/settings/${path}`, {
      method,
      token: user.token,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  };

  const following = async (t: TestSystem, user: SeededUser): Promise<string[]> =>
    (await client(t, user).v1.accounts.$select(user.accountId).following.list()).map(
      (account) => account.acct,
    );

  beforeAll(async () => {
    await peer.start();
    [carol, alice2, erin, frank, gina] = await seedUsers(a.t, ['carol', 'alice2', 'erin', 'frank', 'gina']);
    [alice, dave, erin2] = await seedUsers(b.t, ['alice', 'dave', 'erin2']);
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('moves alice from B to A: carol on A follows alice2 instead, and alice shows moved on both', async () => {
    const aliceOnA = await followAcross(a.t, carol, `alice@${b.t.domain}`);

    // Without the alias, the move is refused and nothing changes.
    const refused = await settings(b.t, alice, 'POST', 'migration', {
      acct: `alice2@${a.t.domain}`,
      current_password: alice.password,
    });
    expect(refused.status).toBe(422);

    const added = await settings(a.t, alice2, 'POST', 'aliases', { acct: `alice@${b.t.domain}` });
    expect(added.status).toBe(200);
    expect(added.json).toEqual([{ acct: `alice@${b.t.domain}`, uri: uriOf(b.t, alice) }]);
    expect((await settings(a.t, alice2, 'GET', 'aliases')).json).toEqual(added.json);
    const actor = (await (
      await fetch(uriOf(a.t, alice2), { headers: { accept: 'application/activity+json' } })
    ).json()) as { alsoKnownAs?: string[] };
    expect(actor.alsoKnownAs).toEqual([uriOf(b.t, alice)]);

    const wrongPassword = await settings(b.t, alice, 'POST', 'migration', {
      acct: `alice2@${a.t.domain}`,
      current_password: 'not it',
    });
    expect(wrongPassword.status).toBe(422);

    const moved = await settings(b.t, alice, 'POST', 'migration', {
      acct: `alice2@${a.t.domain}`,
      current_password: alice.password,
    });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ acct: 'alice', moved: { acct: `alice2@${a.t.domain}` } });
    const published = (await (
      await fetch(uriOf(b.t, alice), { headers: { accept: 'application/activity+json' } })
    ).json()) as { movedTo?: string };
    expect(published.movedTo).toBe(uriOf(a.t, alice2));

    // The Move crosses two instances as jobs: on a loaded machine a first try may time out and
    // come back after the inbox's first retry (16 s).
    expect(
      await pollUntil(
        () => following(a.t, carol),
        (list) => list.join() === 'alice2',
        45_000,
      ),
    ).toEqual(['alice2']);
    const oldOnA = await client(a.t, carol).v1.accounts.$select(aliceOnA.id).fetch();
    expect(oldOnA.moved?.acct).toBe('alice2');
    await all();
    // carol's Undo reached B: alice has no follower left there.
    const followersOnB = await client(b.t, alice).v1.accounts.$select(alice.accountId).followers.list();
    expect(followersOnB).toEqual([]);

    // Again within 30 days: refused.
    const again = await settings(b.t, alice, 'POST', 'migration', {
      acct: `alice2@${a.t.domain}`,
      current_password: alice.password,
    });
    expect(again.status).toBe(422);
  });

  it('moves erin from A to B: dave on B and frank on A follow erin2 on B, blocks and mutes carried over', async () => {
    await followAcross(b.t, dave, `erin@${a.t.domain}`);
    await client(a.t, frank).v1.accounts.$select(erin.accountId).follow();
    // Blocks and mutes of the old account carry over to the new one.
    await client(a.t, carol).v1.accounts.$select(erin.accountId).mute({ notifications: false });
    await client(a.t, alice2).v1.accounts.$select(erin.accountId).block();

    expect((await settings(b.t, erin2, 'POST', 'aliases', { acct: `erin@${a.t.domain}` })).status).toBe(200);
    const moved = await settings(a.t, erin, 'POST', 'migration', {
      acct: `erin2@${b.t.domain}`,
      current_password: erin.password,
    });
    expect(moved.status).toBe(200);

    expect(
      await pollUntil(
        () => following(b.t, dave),
        (list) => list.join() === 'erin2',
        15_000,
      ),
    ).toEqual(['erin2']);
    expect(
      await pollUntil(
        () => following(a.t, frank),
        (list) => list.join() === `erin2@${b.t.domain}`,
        15_000,
      ),
    ).toEqual([`erin2@${b.t.domain}`]);
    const erinOnB = await client(b.t, dave).v1.accounts.lookup({ acct: `erin@${a.t.domain}` });
    expect(erinOnB.moved?.acct).toBe('erin2');
    const erin2OnA = await client(a.t, carol).v1.accounts.lookup({ acct: `erin2@${b.t.domain}` });
    const [muting] = await client(a.t, carol).v1.accounts.relationships.fetch({ id: [erin2OnA.id] });
    expect(muting).toMatchObject({ muting: true, mutingNotifications: false });
    const [blocking] = await client(a.t, alice2).v1.accounts.relationships.fetch({ id: [erin2OnA.id] });
    expect(blocking).toMatchObject({ blocking: true });
  });

  it('applies no Move whose target does not name the mover, nor one about someone else', async () => {
    const malloryId = peer.person('mallory', malloryKeys.publicKey);
    const trudyId = peer.person('trudy', keyPair().publicKey);
    const send = (activity: Record<string, unknown>): Promise<Response> =>
      deliverSigned(`${a.t.url}/inbox`, JSON.stringify({ '@context': AS, ...activity }), {
        keyId: `${malloryId}#main-key`,
        privateKeyPem: malloryKeys.privateKey,
      });
    // mallory follows carol (so A knows mallory), and carol follows mallory back.
    expect(
      (
        await send({
          id: `${malloryId}#follows/1`,
          type: 'Follow',
          actor: malloryId,
          object: uriOf(a.t, carol),
        })
      ).status,
    ).toBe(202);
    const malloryAcct = `mallory@${new URL(peer.origin).host}`;
    const mallory = await pollUntil(
      () =>
        client(a.t, carol)
          .v1.accounts.lookup({ acct: malloryAcct })
          .catch(() => undefined),
      (found) => found !== undefined,
      10_000,
    );
    const relationship = await client(a.t, carol).v1.accounts.$select(mallory!.id).follow();
    expect(relationship.requested).toBe(true);
    const [followed] = await pollUntil(
      () =>
        Promise.resolve(
          peer.activitiesAt('/users/mallory/inbox').filter(({ activity }) => activity.type === 'Follow'),
        ),
      (items) => items.length > 0,
      10_000,
    );
    expect(
      (
        await send({
          id: `${malloryId}#accepts/follows/1`,
          type: 'Accept',
          actor: malloryId,
          object: followed.activity,
        })
      ).status,
    ).toBe(202);
    await pollUntil(
      () => following(a.t, carol),
      (list) => list.includes(malloryAcct),
      10_000,
    );

    const move = { type: 'Move', actor: malloryId, object: malloryId, target: trudyId };
    expect((await send({ ...move, id: `${malloryId}#moves/1` })).status).toBe(202);
    // Someone else's account as the object: not the sender's to move.
    expect((await send({ ...move, id: `${malloryId}#moves/2`, object: uriOf(b.t, dave) })).status).toBe(202);
    expect((await send({ ...move, id: `${malloryId}#moves/3`, target: 'not a url' })).status).toBe(202);
    await settled(a.t);
    expect((await following(a.t, carol)).sort()).toEqual(['alice2', malloryAcct]);
    expect((await client(a.t, carol).v1.accounts.$select(mallory!.id).fetch()).moved ?? null).toBeNull();

    // Once trudy names mallory, the same Move goes through: a refused Move holds no cooldown.
    const trudy = peer.actors.get('/users/trudy') as Record<string, unknown>;
    peer.actors.set('/users/trudy', { ...trudy, alsoKnownAs: [malloryId] });
    expect((await send({ ...move, id: `${malloryId}#moves/4` })).status).toBe(202);
    const movedMallory = await pollUntil(
      () => client(a.t, carol).v1.accounts.$select(mallory!.id).fetch(),
      (account) => Boolean(account.moved),
      15_000,
    );
    const trudyAcct = `trudy@${new URL(peer.origin).host}`;
    expect(movedMallory.moved?.acct).toBe(trudyAcct);
    // carol asks to follow trudy (trudy's server has yet to accept) and follows mallory no more.
    await pollUntil(
      () =>
        Promise.resolve(
          peer
            .activitiesAt('/users/trudy/inbox')
            .filter(({ activity }) => activity.type === 'Follow' && activity.object === trudyId),
        ),
      (items) => items.length === 1,
      10_000,
    );
    await settled(a.t);
    expect(await following(a.t, carol)).toEqual(['alice2']);
  });

  it('exports follows, blocks and mutes as Mastodon CSV that an import on another account reproduces', async () => {
    const csv = async (user: SeededUser, file: string): Promise<string> => {
      const response = await apiCall(a.t.url, `/api/v1/mammut/exports/${file}`, { token: user.token });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/csv');
      return response.text();
    };
    const importCsv = (user: SeededUser, query: string, body: string, type = 'text/csv') =>
      apiCall(a.t.url, `/api/v1/mammut/imports?${query}`, {
        method: 'POST',
        token: user.token,
        headers: { 'content-type': type },
        body,
      });

    // frank follows erin2 on B (after erin's move) and carol here, with options; blocks and mutes dave on B.
    await client(a.t, frank)
      .v1.accounts.$select(carol.accountId)
      .follow({ reblogs: false, notify: true, languages: ['en'] });
    const { accounts } = await client(a.t, frank).v2.search.list({
      q: `@dave@${b.t.domain}`,
      resolve: true,
      type: 'accounts',
    });
    await client(a.t, frank).v1.accounts.$select(accounts[0].id).mute({ notifications: false });
    await client(a.t, frank).v1.accounts.$select(accounts[0].id).block();

    const follows = await csv(frank, 'following_accounts.csv');
    expect(follows.split('\n').filter(Boolean).sort()).toEqual(
      [
        'Account address,Show boosts,Notify on new posts,Languages',
        `carol@${a.t.domain},false,true,en`,
        `erin2@${b.t.domain},true,false,`,
      ].sort(),
    );
    expect(await csv(frank, 'blocked_accounts.csv')).toBe(`dave@${b.t.domain}\n`);
    expect(await csv(frank, 'muted_accounts.csv')).toBe(
      `Account address,Hide notifications\ndave@${b.t.domain},false\n`,
    );
    expect(await csv(frank, 'bookmarks.csv')).toBe('');

    const imported = await importCsv(gina, 'type=follows', follows);
    expect(imported.status).toBe(200);
    expect(await imported.json()).toEqual({
      type: 'follows',
      mode: 'merge',
      total: 2,
      imported: 2,
      failed: [],
    });
    await pollUntil(
      () => following(a.t, gina),
      (list) => list.length === 2,
      15_000,
    );
    // The same rows (in the order the import happened to follow them).
    const lines = (text: string): string[] => text.split('\n').filter(Boolean).sort();
    expect(lines(await csv(gina, 'following_accounts.csv'))).toEqual(lines(follows));

    // A multipart upload, as the settings page would send it; overwrite ends what the file does not list.
    const form = new FormData();
    form.append('type', 'follows');
    form.append('mode', 'overwrite');
    form.append(
      'data',
      new Blob([`carol@${a.t.domain}\nnobody@${b.t.domain}\n`], { type: 'text/csv' }),
      'f.csv',
    );
    const overwritten = await apiCall(a.t.url, '/api/v1/mammut/imports', {
      method: 'POST',
      token: gina.token,
      body: form,
    });
    expect(overwritten.status).toBe(200);
    expect(await overwritten.json()).toEqual({
      type: 'follows',
      mode: 'overwrite',
      total: 2,
      imported: 1,
      failed: [`nobody@${b.t.domain}`],
    });
    expect(await following(a.t, gina)).toEqual(['carol']);

    expect((await importCsv(gina, 'type=blocks', await csv(frank, 'blocked_accounts.csv'))).status).toBe(200);
    expect((await importCsv(gina, 'type=mutes', await csv(frank, 'muted_accounts.csv'))).status).toBe(200);
    const [relationship] = await client(a.t, gina).v1.accounts.relationships.fetch({ id: [accounts[0].id] });
    expect(relationship).toMatchObject({ blocking: true, muting: true, mutingNotifications: false });

    // Bad files and parameters: 422, and nothing changes.
    for (const [query, body] of [
      ['type=follows', '"unterminated\n'],
      ['type=follows', 'not-an-address\n'],
      ['type=follows', ''],
      ['type=statuses', `carol@${a.t.domain}\n`],
      ['type=follows&mode=replace', `carol@${a.t.domain}\n`],
    ])
      expect((await importCsv(gina, query, body)).status).toBe(422);
    expect(await following(a.t, gina)).toEqual(['carol']);
  });

  it('refuses bad settings input with 4xx', async () => {
    expect((await settings(a.t, carol, 'POST', 'aliases', { acct: 'no-domain' })).status).toBe(422);
    expect((await settings(a.t, carol, 'POST', 'aliases', {})).status).toBe(422);
    expect((await settings(a.t, carol, 'POST', 'aliases', { acct: `carol@${a.t.domain}` })).status).toBe(422);
    expect(
      (await settings(a.t, carol, 'DELETE', 'aliases', { uri: 'https://nowhere.example/x' })).status,
    ).toBe(404);
    expect((await settings(a.t, carol, 'POST', 'migration', { acct: `frank@${a.t.domain}` })).status).toBe(
      422,
    );
    const anonymous = await apiCall(a.t.url, '/api/v1/mammut/settings/aliases');
    expect(anonymous.status).toBe(401);
  });
});
