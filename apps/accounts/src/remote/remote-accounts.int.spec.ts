import { ContractError, contracts } from '@mammut/contracts';
import { remoteActor, saveRemoteAccount } from '../../../../test-e2e/support/factories';
import { registerAndSignIn } from '../../../../test-e2e/support/oauth';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

const remote = contracts.accounts.remote;
const rel = contracts.accounts.relationships;

/**
 * The contracts federation will call, over real NATS as federation will: remote accounts saved
 * from actor descriptions, read back with what delivery needs, and the remote side of follows.
 */
describe('remote accounts through accounts.remote.* (over NATS, as federation calls them)', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;

  /** The code a contract call failed with. */
  const failure = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call;
    } catch (error) {
      if (error instanceof ContractError) return error.code;
      throw error;
    }
    throw new Error('the call succeeded');
  };

  /** Follow-graph events about `accountId` in the outbox, oldest first, as `subject follower>target uri`. */
  const eventsOf = async (accountId: string): Promise<string[]> => {
    const { rows } = await sut.db.query<{ subject: string; payload: Record<string, string | null> }>(
      `SELECT subject, payload FROM accounts.outbox
        WHERE (payload->>'accountId' = $1 OR payload->>'targetAccountId' = $1)
          AND subject ~ '^events\\.accounts\\.follow' ORDER BY id`,
      [accountId],
    );
    return rows.map(
      ({ subject, payload }) =>
        `${subject.replace('events.accounts.', '')} ${payload.accountId}>${payload.targetAccountId}` +
        `${payload.reason ? ` ${payload.reason}` : ''} ${payload.uri}`,
    );
  };

  /** Lifecycle events of one account in the outbox, oldest first. */
  const lifecycleOf = async (accountId: string): Promise<[string, Record<string, unknown>][]> =>
    (
      await sut.db.query<{ subject: string; payload: Record<string, unknown> }>(
        `SELECT subject, payload FROM accounts.outbox
          WHERE payload->>'accountId' = $1 AND subject ~ '^events\\.accounts\\.account\\.' ORDER BY id`,
        [accountId],
      )
    ).rows.map((row) => [row.subject, row.payload]);

  it('creates a remote account from its actor description, then updates it by uri', async () => {
    const saved = await bus().request(remote.saveRemoteAccount, remoteActor('alice', 'peer.test'));
    expect(saved.created).toBe(true);
    const alice = saved.account;
    expect(alice).toMatchObject({
      username: 'alice',
      domain: 'peer.test',
      uri: 'https://peer.test/users/alice',
      url: 'https://peer.test/@alice',
      actorType: 'Person',
      bot: false,
      note: '<p>Hello from afar</p>',
      noteSource: '',
      avatarUrl: null,
      avatarRemoteUrl: 'https://peer.test/system/accounts/avatars/alice.png',
      inboxUrl: 'https://peer.test/users/alice/inbox',
      sharedInboxUrl: 'https://peer.test/inbox',
      followersUrl: 'https://peer.test/users/alice/followers',
      featuredCollectionUrl: 'https://peer.test/users/alice/collections/featured',
      publicKeyId: 'https://peer.test/users/alice#main-key',
      createdAt: '2023-04-05T00:00:00.000Z',
      statusesCount: 0,
    });
    expect(alice.publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(alice.lastWebfingeredAt).not.toBeNull();
    expect(alice.fetchedAt).not.toBeNull();

    const updated = await bus().request(
      remote.saveRemoteAccount,
      remoteActor('alice', 'peer.test', {
        displayName: 'Alice in Peerland',
        actorType: 'Service',
        statusesCount: 12,
        followersCount: 340,
        webfingeredAt: undefined,
        fetchedAt: '2026-01-01T00:00:00Z',
      }),
    );
    expect(updated.created).toBe(false);
    expect(updated.account).toMatchObject({
      id: alice.id,
      displayName: 'Alice in Peerland',
      actorType: 'Service',
      bot: true,
      statusesCount: 12,
      followersCount: 340,
      followingCount: 0,
      // Not webfingered this time: the last confirmation stands.
      lastWebfingeredAt: alice.lastWebfingeredAt,
      fetchedAt: '2026-01-01T00:00:00.000Z',
    });

    // The actor id is the key: a handle changed on the remote side renames the account.
    const renamed = await saveRemoteAccount(bus(), 'alicia', 'peer.test', { uri: alice.uri });
    expect(renamed).toMatchObject({ id: alice.id, username: 'alicia', uri: alice.uri });
    // Saved as federation will save it, each change is an account event like a local one's.
    expect(await lifecycleOf(alice.id)).toEqual([
      ['events.accounts.account.created', { accountId: alice.id, username: 'alice', domain: 'peer.test' }],
      ['events.accounts.account.updated', { accountId: alice.id, changed: ['display_name', 'bot'] }],
      [
        'events.accounts.account.updated',
        { accountId: alice.id, changed: ['username', 'display_name', 'avatar', 'bot'] },
      ],
    ]);
  });

  it('keeps the custom emoji of the actor, replaced on each save; a non-http(s) image is dropped', async () => {
    const blob = { shortcode: 'blob', url: 'https://cdn.peer.test/emoji/blob.png' };
    const saved = await bus().request(
      remote.saveRemoteAccount,
      remoteActor('emil', 'peer.test', {
        displayName: 'Emil :blob:',
        emojis: [blob, { shortcode: 'bad', url: 'ftp://peer.test/bad.png' }],
      }),
    );
    expect(saved.account.emojis).toEqual([blob]);
    const { accounts } = await bus().request(contracts.accounts.profiles.getAccounts, {
      ids: [saved.account.id],
    });
    expect(accounts[0].emojis).toEqual([blob]);
    const again = await bus().request(remote.saveRemoteAccount, remoteActor('emil', 'peer.test'));
    expect(again.account.emojis).toEqual([]);
  });

  it('keeps one account per handle (username case-insensitive, domain normalised) and per uri', async () => {
    const zoe = await saveRemoteAccount(bus(), 'Zoe', 'Bücher.Example', {
      uri: 'https://xn--bcher-kva.example/users/Zoe',
    });
    expect(zoe.domain).toBe('xn--bcher-kva.example');
    // An actor document alone claiming the handle under a new id does not take the account over…
    expect(
      await failure(
        bus().request(
          remote.saveRemoteAccount,
          remoteActor('zoe', 'xn--bcher-kva.example', {
            uri: 'https://xn--bcher-kva.example/ap/users/1',
            webfingeredAt: undefined,
          }),
        ),
      ),
    ).toBe('conflict');
    // …but WebFinger pointing the same handle at a new actor id (a reinstalled server) does.
    const moved = await saveRemoteAccount(bus(), 'ZOE', 'xn--bcher-kva.example', {
      uri: 'https://xn--bcher-kva.example/ap/users/1',
    });
    expect(moved).toMatchObject({
      id: zoe.id,
      username: 'ZOE',
      uri: 'https://xn--bcher-kva.example/ap/users/1',
    });
    // The same name elsewhere is someone else.
    const other = await saveRemoteAccount(bus(), 'zoe', 'other.test');
    expect(other.id).not.toBe(zoe.id);
    // A known uri claiming a handle that belongs to another known uri: federation must sort it out.
    expect(
      await failure(
        bus().request(remote.saveRemoteAccount, remoteActor('zoe', 'other.test', { uri: moved.uri })),
      ),
    ).toBe('conflict');
  });

  it('refuses inconsistent descriptions and changes nothing', async () => {
    const local = sut.t.domain;
    expect(
      await failure(
        bus().request(
          remote.saveRemoteAccount,
          remoteActor('mallory', local, { uri: `https://${local}/users/x` }),
        ),
      ),
    ).toBe('unprocessable');
    expect(
      await failure(
        bus().request(
          remote.saveRemoteAccount,
          remoteActor('mallory', 'peer.test', {
            uri: 'https://evil.test/users/mallory',
            webfingeredAt: undefined,
          }),
        ),
      ),
    ).toBe('unprocessable');
    const { inboxUrl: _inbox, ...withoutInbox } = remoteActor('mallory', 'peer.test');
    expect(
      await failure(bus().request(remote.saveRemoteAccount, withoutInbox as ReturnType<typeof remoteActor>)),
    ).toBe('invalid_request');
    const { rows } = await sut.db.query(`SELECT 1 FROM accounts.accounts WHERE lower(username) = 'mallory'`);
    expect(rows).toEqual([]);
  });

  it('reads actors by id, by uri (a key id names its actor) and by acct, telling what is missing', async () => {
    const bob = await saveRemoteAccount(bus(), 'bob', 'reader.test');
    const carl = await registerAndSignIn(sut.t.url, { username: 'carl' });
    const byId = await bus().request(remote.getActors, { ids: [bob.id, carl.accountId, '1'] });
    expect(byId.actors.map((a) => [a.id, a.domain, a.actorType, a.inboxUrl])).toEqual([
      [bob.id, 'reader.test', 'Person', 'https://reader.test/users/bob/inbox'],
      [carl.accountId, null, 'Person', null],
    ]);
    expect(byId.missing).toEqual(['1']);

    const byUri = await bus().request(remote.getActorsByUri, {
      uris: ['https://reader.test/users/bob#main-key', 'https://reader.test/users/nobody'],
    });
    expect(byUri.actors.map((a) => a.id)).toEqual([bob.id]);
    expect(byUri.missing).toEqual(['https://reader.test/users/nobody']);

    const byAcct = await bus().request(remote.lookupActors, {
      accts: ['@BOB@Reader.Test', 'carl', `carl@${sut.t.domain}`, 'bob', 'bob@elsewhere.test'],
    });
    expect(byAcct.actors.map((a) => a.id)).toEqual([bob.id, carl.accountId, carl.accountId]);
    expect(byAcct.missing).toEqual(['bob', 'bob@elsewhere.test']);
  });

  it('links movedTo to the account it names once that one is known, and refuses new follows of it', async () => {
    const next = await saveRemoteAccount(bus(), 'dana', 'new.test');
    const old = await saveRemoteAccount(bus(), 'dana', 'old.test', {
      movedToUri: next.uri,
      alsoKnownAs: [next.uri],
    });
    expect(old.movedToAccountId).toBe(next.id);
    expect(
      (await lifecycleOf(old.id)).map(([subject, payload]) => [subject, payload.targetAccountId]),
    ).toEqual([
      ['events.accounts.account.created', undefined],
      ['events.accounts.account.moved', next.id],
    ]);
    expect(old.alsoKnownAs).toEqual([next.uri]);
    const unknown = await saveRemoteAccount(bus(), 'erin', 'old.test', {
      movedToUri: 'https://nowhere.test/u/x',
    });
    expect(unknown.movedToAccountId).toBeNull();
    const follower = await registerAndSignIn(sut.t.url, { username: 'mover_fan' });
    expect(await failure(bus().request(rel.follow, { viewerId: follower.accountId, targetId: old.id }))).toBe(
      'forbidden',
    );
  });

  it('follows a remote account: requested until its Accept, then a follow with both counters moved', async () => {
    const fiona = await saveRemoteAccount(bus(), 'fiona', 'accepting.test');
    const gus = await registerAndSignIn(sut.t.url, { username: 'gus' });

    // Not locked, yet requested: the remote server decides.
    const requested = await bus().request(rel.follow, {
      viewerId: gus.accountId,
      targetId: fiona.id,
      notify: true,
    });
    expect(requested).toMatchObject({ id: fiona.id, requested: true, following: false, notifying: true });
    const [created] = await eventsOf(fiona.id);
    const uri = /^follow_request\.created \d+>\d+ (\S+)$/.exec(created)?.[1] ?? '';
    expect(uri).toMatch(new RegExp(`^${sut.t.system.runtime.config.publicOrigin}/[0-9a-f-]{36}$`));

    // Only the account that was asked may answer.
    const stranger = await saveRemoteAccount(bus(), 'stranger', 'accepting.test');
    expect(await failure(bus().request(remote.acceptRemoteFollow, { actorId: stranger.id, uri }))).toBe(
      'not_found',
    );

    const accepted = await bus().request(remote.acceptRemoteFollow, { actorId: fiona.id, uri });
    expect(accepted).toMatchObject({ id: fiona.id, following: true, requested: false, notifying: true });
    const { actors } = await bus().request(remote.getActors, { ids: [fiona.id, gus.accountId] });
    expect(actors.map((a) => [a.followersCount, a.followingCount])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    // A duplicate delivery of the Accept changes nothing.
    expect(await bus().request(remote.acceptRemoteFollow, { actorId: fiona.id, uri })).toEqual(accepted);
    expect(await eventsOf(fiona.id)).toEqual([
      `follow_request.created ${gus.accountId}>${fiona.id} ${uri}`,
      `follow_request.authorized ${gus.accountId}>${fiona.id} ${uri}`,
      `follow.created ${gus.accountId}>${fiona.id} ${uri}`,
    ]);

    // Unfollowing tells federation which Follow to undo.
    expect(await bus().request(rel.unfollow, { viewerId: gus.accountId, targetId: fiona.id })).toMatchObject({
      following: false,
    });
    expect((await eventsOf(fiona.id)).pop()).toBe(
      `follow.removed ${gus.accountId}>${fiona.id} unfollowed ${uri}`,
    );

    // An Accept embedding the Follow names it by its follower.
    const hana = await saveRemoteAccount(bus(), 'hana', 'accepting.test', { locked: true });
    await bus().request(rel.follow, { viewerId: gus.accountId, targetId: hana.id });
    const embedded = await bus().request(remote.acceptRemoteFollow, {
      actorId: hana.id,
      followerId: gus.accountId,
    });
    expect(embedded.following).toBe(true);
  });

  it('takes a Reject of a pending request, and of a follow accepted before', async () => {
    const ivan = await saveRemoteAccount(bus(), 'ivan', 'rejecting.test');
    const jo = await registerAndSignIn(sut.t.url, { username: 'jo' });
    await bus().request(rel.follow, { viewerId: jo.accountId, targetId: ivan.id });
    const rejected = await bus().request(remote.rejectRemoteFollow, {
      actorId: ivan.id,
      followerId: jo.accountId,
    });
    expect(rejected).toMatchObject({ following: false, requested: false });
    expect(
      await failure(bus().request(remote.rejectRemoteFollow, { actorId: ivan.id, followerId: jo.accountId })),
    ).toBe('not_found');

    await bus().request(rel.follow, { viewerId: jo.accountId, targetId: ivan.id });
    await bus().request(remote.acceptRemoteFollow, { actorId: ivan.id, followerId: jo.accountId });
    const [, , , , follow] = await eventsOf(ivan.id);
    const uri = follow.split(' ').pop() ?? '';
    const ended = await bus().request(remote.rejectRemoteFollow, { actorId: ivan.id, uri });
    expect(ended).toMatchObject({ following: false, requested: false });
    const { actors } = await bus().request(remote.getActors, { ids: [ivan.id, jo.accountId] });
    expect(actors.map((a) => [a.followersCount, a.followingCount])).toEqual([
      [0, 0],
      [0, 0],
    ]);
    const events = await eventsOf(ivan.id);
    expect(
      events.map((e) =>
        e
          .split(' ')
          .slice(0, 2)
          .join(' ')
          .replace(/ \d+>\d+/, ''),
      ),
    ).toEqual([
      'follow_request.created',
      'follow_request.rejected',
      'follow_request.created',
      'follow_request.authorized',
      'follow.created',
      'follow.removed',
    ]);
    expect(events[1]).toMatch(/ rejected https?:\/\//);
    expect(events[5]).toBe(`follow.removed ${jo.accountId}>${ivan.id} removed ${uri}`);
  });

  it('withdraws a pending remote request on unfollow, with the Follow id to undo', async () => {
    const kim = await saveRemoteAccount(bus(), 'kim', 'slow.test');
    const lee = await registerAndSignIn(sut.t.url, { username: 'lee' });
    await bus().request(rel.follow, { viewerId: lee.accountId, targetId: kim.id });
    const withdrawn = await bus().request(rel.unfollow, { viewerId: lee.accountId, targetId: kim.id });
    expect(withdrawn).toMatchObject({ following: false, requested: false });
    const [created, undone] = await eventsOf(kim.id);
    const uri = created.split(' ').pop();
    expect(undone).toBe(`follow_request.withdrawn ${lee.accountId}>${kim.id} unfollowed ${uri}`);
    // Its Accept, arriving late, finds nothing to accept.
    expect(await failure(bus().request(remote.acceptRemoteFollow, { actorId: kim.id, uri }))).toBe(
      'not_found',
    );
  });

  it('lets a suspended remote account take its follow back, but add nothing', async () => {
    const rex = await saveRemoteAccount(bus(), 'rex', 'banned.test');
    const una = await registerAndSignIn(sut.t.url, { username: 'una' });
    const uri = 'https://banned.test/users/rex#follows/1';
    await bus().request(rel.follow, { viewerId: rex.id, targetId: una.accountId, uri });
    await bus().request(contracts.accounts.admin.suspendAccount, { accountId: rex.id });
    // Its server's Block, Follow again or mute: refused; its Undo of the follow: taken.
    expect(await failure(bus().request(rel.block, { viewerId: rex.id, targetId: una.accountId }))).toBe(
      'forbidden',
    );
    expect(
      await failure(bus().request(rel.follow, { viewerId: rex.id, targetId: una.accountId, uri: `${uri}2` })),
    ).toBe('forbidden');
    expect(await bus().request(rel.unfollow, { viewerId: rex.id, targetId: una.accountId })).toMatchObject({
      following: false,
    });
  });

  it("records a remote account's Follow with its id, and answers a local account's approval with it", async () => {
    const max = await saveRemoteAccount(bus(), 'max', 'fans.test');
    const nia = await registerAndSignIn(sut.t.url, { username: 'nia' });
    const followUri = 'https://fans.test/users/max#follows/1';
    const direct = await bus().request(rel.follow, {
      viewerId: max.id,
      targetId: nia.accountId,
      uri: followUri,
    });
    expect(direct).toMatchObject({ following: true });
    expect(await eventsOf(max.id)).toEqual([`follow.created ${max.id}>${nia.accountId} ${followUri}`]);
    // A remote follow needs its id; a local one gets ours; remote accounts follow each other elsewhere.
    expect(await failure(bus().request(rel.follow, { viewerId: max.id, targetId: nia.accountId }))).toBe(
      'invalid_request',
    );
    expect(
      await failure(bus().request(rel.follow, { viewerId: nia.accountId, targetId: max.id, uri: followUri })),
    ).toBe('invalid_request');
    const other = await saveRemoteAccount(bus(), 'other', 'fans.test');
    expect(
      await failure(
        bus().request(rel.follow, { viewerId: max.id, targetId: other.id, uri: 'https://fans.test/f/2' }),
      ),
    ).toBe('forbidden');

    // A locked local account approves a remote request, one by one or by unlocking: federation's
    // Accept names the remote Follow's id.
    const olga = await registerAndSignIn(sut.t.url, { username: 'olga' });
    await bus().request(contracts.accounts.profiles.updateCredentials, {
      accountId: olga.accountId,
      locked: true,
    });
    const pam = await saveRemoteAccount(bus(), 'pam', 'fans.test');
    await bus().request(rel.follow, {
      viewerId: max.id,
      targetId: olga.accountId,
      uri: 'https://fans.test/f/3',
    });
    await bus().request(rel.follow, {
      viewerId: pam.id,
      targetId: olga.accountId,
      uri: 'https://fans.test/f/4',
    });
    const authorized = await bus().request(rel.authorizeFollowRequest, {
      viewerId: olga.accountId,
      targetId: max.id,
    });
    expect(authorized.followedBy).toBe(true);
    await bus().request(contracts.accounts.profiles.updateCredentials, {
      accountId: olga.accountId,
      locked: false,
    });
    const approvals = (await eventsOf(olga.accountId)).filter((e) =>
      e.startsWith('follow_request.authorized'),
    );
    expect(approvals).toEqual([
      `follow_request.authorized ${max.id}>${olga.accountId} https://fans.test/f/3`,
      `follow_request.authorized ${pam.id}>${olga.accountId} https://fans.test/f/4`,
    ]);
    const { actors } = await bus().request(remote.getActors, { ids: [olga.accountId] });
    expect(actors[0].followersCount).toBe(2);
  });

  it("undoes a remote account's Follow named by its id, only the sender's own", async () => {
    const sam = await saveRemoteAccount(bus(), 'sam', 'undoing.test');
    const tess = await registerAndSignIn(sut.t.url, { username: 'tess' });
    const followUri = 'https://undoing.test/users/sam#follows/1';
    await bus().request(rel.follow, { viewerId: sam.id, targetId: tess.accountId, uri: followUri });
    const stranger = await saveRemoteAccount(bus(), 'stranger2', 'undoing.test');
    expect(
      await failure(bus().request(remote.undoRemoteFollow, { actorId: stranger.id, uri: followUri })),
    ).toBe('not_found');
    expect(
      await failure(
        bus().request(remote.undoRemoteFollow, { actorId: sam.id, uri: 'https://undoing.test/other' }),
      ),
    ).toBe('not_found');
    const undone = await bus().request(remote.undoRemoteFollow, { actorId: sam.id, uri: followUri });
    expect(undone).toMatchObject({ id: tess.accountId, following: false, requested: false });
    expect((await eventsOf(sam.id)).pop()).toBe(
      `follow.removed ${sam.id}>${tess.accountId} unfollowed ${followUri}`,
    );
  });

  it("lists the inboxes reaching a local account's remote followers: shared ones once, suspended ones left out, paged", async () => {
    const vic = await registerAndSignIn(sut.t.url, { username: 'vic' });
    const local = await registerAndSignIn(sut.t.url, { username: 'wes' });
    const followers = [
      await saveRemoteAccount(bus(), 'ann', 'shared.test'),
      await saveRemoteAccount(bus(), 'ben', 'shared.test'),
      await saveRemoteAccount(bus(), 'cy', 'solo.test', { sharedInboxUrl: null }),
      await saveRemoteAccount(bus(), 'dee', 'gone.test'),
    ];
    for (const [n, follower] of followers.entries())
      await bus().request(rel.follow, {
        viewerId: follower.id,
        targetId: vic.accountId,
        uri: `https://${follower.domain}/follows/${n}`,
      });
    await bus().request(rel.follow, { viewerId: local.accountId, targetId: vic.accountId });
    await bus().request(contracts.accounts.admin.suspendAccount, { accountId: followers[3].id });

    const list = (after: string | null, limit: number) =>
      bus().request(remote.listFollowerInboxes, { accountId: vic.accountId, after, limit });
    expect(await list(null, 10)).toEqual({
      inboxes: ['https://shared.test/inbox', 'https://solo.test/users/cy/inbox'],
    });
    expect(await list(null, 1)).toEqual({ inboxes: ['https://shared.test/inbox'] });
    expect(await list('https://shared.test/inbox', 1)).toEqual({
      inboxes: ['https://solo.test/users/cy/inbox'],
    });
    expect(await list('https://solo.test/users/cy/inbox', 1)).toEqual({ inboxes: [] });
  });

  it('leaves the answering to the API for local accounts', async () => {
    const quinn = await registerAndSignIn(sut.t.url, { username: 'quinn' });
    const rita = await registerAndSignIn(sut.t.url, { username: 'rita' });
    await bus().request(contracts.accounts.profiles.updateCredentials, {
      accountId: rita.accountId,
      locked: true,
    });
    await bus().request(rel.follow, { viewerId: quinn.accountId, targetId: rita.accountId });
    expect(
      await failure(
        bus().request(remote.acceptRemoteFollow, { actorId: rita.accountId, followerId: quinn.accountId }),
      ),
    ).toBe('forbidden');
    expect(
      await failure(
        bus().request(remote.rejectRemoteFollow, { actorId: rita.accountId, followerId: quinn.accountId }),
      ),
    ).toBe('forbidden');
    expect(
      await failure(bus().request(remote.acceptRemoteFollow, { actorId: rita.accountId } as never)),
    ).toBe('invalid_request');
  });
});
