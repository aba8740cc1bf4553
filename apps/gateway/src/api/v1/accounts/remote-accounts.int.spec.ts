import { createRestAPIClient, type mastodon } from 'masto';
import { type ActorRecord, contracts } from '@mammut/contracts';
import type { MAccount, MRelationship } from '@mammut/mastodon-api';
import { saveRemoteAccount } from '../../../../../../test-e2e/support/factories';
import { apiCall } from '../../../../../../test-e2e/support/http';
import { registerAndSignIn, type RegisteredUser } from '../../../../../../test-e2e/support/oauth';
import { useTestSystem } from '../../../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/**
 * Remote accounts in the client API: created through the contracts as federation will create
 * them, then looked up, shown, followed, blocked and muted over HTTP like any account.
 */
/** The remote accounts of beforeAll are only read; tests that follow, block or mute make their own. */
describe('remote accounts over HTTP', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let me: RegisteredUser;
  let alice: ActorRecord;
  let robot: ActorRecord;
  let club: ActorRecord;
  let idn: ActorRecord;

  beforeAll(async () => {
    me = await registerAndSignIn(sut.t.url, { username: 'me' });
    alice = await saveRemoteAccount(bus(), 'alice', 'peer.test', {
      displayName: 'Alice',
      fields: [
        {
          name: 'Site',
          value: '<a href="https://alice.example" rel="me">alice.example</a>',
          verifiedAt: '2024-05-06T07:08:09Z',
        },
      ],
      followersCount: 10,
    });
    robot = await saveRemoteAccount(bus(), 'robot', 'peer.test', { actorType: 'Service', url: null });
    club = await saveRemoteAccount(bus(), 'club', 'groups.test', { actorType: 'Group', locked: true });
    idn = await saveRemoteAccount(bus(), 'zoe', 'bücher.example', {
      uri: 'https://xn--bcher-kva.example/users/zoe',
    });
  });

  const call = (path: string, init: RequestInit & { token?: string } = {}): Promise<Response> =>
    apiCall(sut.t.url, path, init);
  const json = async <T>(path: string, token?: string): Promise<T> => {
    const response = await call(path, { token });
    expect(response.status).toBe(200);
    return (await response.json()) as T;
  };
  const as = (user: { token: string }): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });
  /** The Follow id the last follow_request.created from `accountId` to `targetId` carried. */
  const followUri = async (accountId: string, targetId: string): Promise<string> => {
    const { rows } = await sut.db.query<{ uri: string }>(
      `SELECT payload->>'uri' AS uri FROM accounts.outbox WHERE subject = 'events.accounts.follow_request.created'
          AND payload->>'accountId' = $1 AND payload->>'targetAccountId' = $2 ORDER BY id DESC LIMIT 1`,
      [accountId, targetId],
    );
    return rows[0].uri;
  };

  it('shows a remote account as Mastodon does: acct user@domain, its URLs, default images until copied', async () => {
    const account = await json<MAccount>(`/api/v1/accounts/${alice.id}`);
    expect(account).toMatchObject({
      id: alice.id,
      username: 'alice',
      acct: 'alice@peer.test',
      url: 'https://peer.test/@alice',
      uri: 'https://peer.test/users/alice',
      display_name: 'Alice',
      note: '<p>Hello from afar</p>',
      locked: false,
      bot: false,
      group: false,
      noindex: null,
      created_at: '2023-04-05T00:00:00.000Z',
      followers_count: 10,
      avatar: `${sut.t.url}/avatars/original/missing.png`,
      header: `${sut.t.url}/headers/original/missing.png`,
    });
    expect(account.fields).toEqual([
      {
        name: 'Site',
        value: '<a href="https://alice.example" rel="nofollow noopener" target="_blank">alice.example</a>',
        verified_at: '2024-05-06T07:08:09.000Z',
      },
    ]);
    // Without a profile page, the actor id stands in; bots and groups by their actor type.
    expect(await json<MAccount>(`/api/v1/accounts/${robot.id}`)).toMatchObject({
      acct: 'robot@peer.test',
      url: 'https://peer.test/users/robot',
      bot: true,
    });
    expect(await json<MAccount>(`/api/v1/accounts/${club.id}`)).toMatchObject({ group: true, locked: true });
    // Local accounts keep the bare username.
    expect(await json<MAccount>(`/api/v1/accounts/${me.accountId}`)).toMatchObject({
      acct: 'me',
      url: `${sut.t.url}/@me`,
    });
  });

  it('serves the default avatar and header the API points to, as long-cached PNGs', async () => {
    for (const [path, width, height] of [
      ['/avatars/original/missing.png', 400, 400],
      ['/headers/original/missing.png', 1500, 500],
    ] as const) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('cache-control')).toBe('public, max-age=2419200, must-revalidate');
      const png = Buffer.from(await response.arrayBuffer());
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
      const etag = response.headers.get('etag') ?? '';
      const again = await call(path, { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
    }
  });

  it('looks accounts up by acct: user@domain for remote ones, user or user@<local domain> for local ones', async () => {
    for (const acct of ['alice@peer.test', '@Alice@PEER.test', 'ALICE@peer.test']) {
      expect((await json<MAccount>(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`)).id).toBe(
        alice.id,
      );
    }
    const unicode = await json<MAccount>(
      `/api/v1/accounts/lookup?acct=${encodeURIComponent('zoe@bücher.example')}`,
    );
    expect(unicode).toMatchObject({ id: idn.id, acct: 'zoe@xn--bcher-kva.example' });
    for (const acct of ['me', `me@${sut.t.domain}`]) {
      expect((await json<MAccount>(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`)).id).toBe(
        me.accountId,
      );
    }
    // A bare username is local only, and a remote name under another domain is someone else.
    for (const acct of ['alice', `alice@${sut.t.domain}`, 'alice@other.test']) {
      const response = await call(`/api/v1/accounts/lookup?acct=${encodeURIComponent(acct)}`);
      expect(response.status).toBe(404);
    }
    const batch = await json<MAccount[]>(
      `/api/v1/accounts?id[]=${alice.id}&id[]=${me.accountId}&id[]=${club.id}`,
    );
    expect(batch.map((a) => a.acct)).toEqual(['alice@peer.test', 'me', 'club@groups.test']);
  });

  it('answers WebFinger for local accounts only', async () => {
    const finger = (resource: string) =>
      call(`/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);
    expect((await finger('acct:alice@peer.test')).status).toBe(404);
    expect((await finger(`acct:alice@${sut.t.domain}`)).status).toBe(404);
    expect((await finger('https://peer.test/users/alice')).status).toBe(404);
    const local = await finger(`acct:me@${sut.t.domain}`);
    expect(local.status).toBe(200);
    expect(((await local.json()) as { subject: string }).subject).toBe(`acct:me@${sut.t.domain}`);
  });

  it('follows a remote account: requested until the Accept arrives, then following with counters moved', async () => {
    const viewer = await registerAndSignIn(sut.t.url, { username: 'remote_follower' });
    const ann = await saveRemoteAccount(bus(), 'ann', 'peer.test', { followersCount: 10 });
    const requested = await as(viewer).v1.accounts.$select(ann.id).follow();
    expect(requested).toMatchObject({ id: ann.id, requested: true, following: false });
    const [pending] = await as(viewer).v1.accounts.relationships.fetch({ id: [ann.id] });
    expect(pending.requested).toBe(true);
    expect((await as(viewer).v1.accounts.$select(ann.id).fetch()).followersCount).toBe(10);

    await bus().request(contracts.accounts.remote.acceptRemoteFollow, {
      actorId: ann.id,
      uri: await followUri(viewer.accountId, ann.id),
    });
    const [accepted] = await as(viewer).v1.accounts.relationships.fetch({ id: [ann.id] });
    expect(accepted).toMatchObject({ following: true, requested: false, showingReblogs: true });
    expect((await as(viewer).v1.accounts.$select(ann.id).fetch()).followersCount).toBe(11);
    expect((await as(viewer).v1.accounts.verifyCredentials()).followingCount).toBe(1);
    const following = await as(viewer).v1.accounts.$select(viewer.accountId).following.list();
    expect(following.map((a) => a.acct)).toEqual(['ann@peer.test']);
  });

  it('withdraws a pending remote request on unfollow, and shows a Reject', async () => {
    const viewer = await registerAndSignIn(sut.t.url, { username: 'remote_withdrawer' });
    const bot = await saveRemoteAccount(bus(), 'bot', 'peer.test', { actorType: 'Service', url: null });
    const guild = await saveRemoteAccount(bus(), 'guild', 'groups.test', {
      actorType: 'Group',
      locked: true,
    });
    await as(viewer).v1.accounts.$select(bot.id).follow();
    const withdrawn = await as(viewer).v1.accounts.$select(bot.id).unfollow();
    expect(withdrawn).toMatchObject({ requested: false, following: false });
    const { rows } = await sut.db.query<{ uri: string }>(
      `SELECT payload->>'uri' AS uri FROM accounts.outbox WHERE subject = 'events.accounts.follow_request.withdrawn'
          AND payload->>'targetAccountId' = $1`,
      [bot.id],
    );
    expect(rows).toEqual([{ uri: await followUri(viewer.accountId, bot.id) }]);

    await as(viewer).v1.accounts.$select(guild.id).follow();
    await bus().request(contracts.accounts.remote.rejectRemoteFollow, {
      actorId: guild.id,
      uri: await followUri(viewer.accountId, guild.id),
    });
    const [rejected] = await as(viewer).v1.accounts.relationships.fetch({ id: [guild.id] });
    expect(rejected).toMatchObject({ requested: false, following: false });
  });

  it('blocks, mutes and reports relationships with remote accounts like local ones', async () => {
    const viewer = await registerAndSignIn(sut.t.url, { username: 'remote_blocker' });
    const fan = await saveRemoteAccount(bus(), 'fan', 'fans.test');
    const pal = await saveRemoteAccount(bus(), 'pal', 'peer.test');
    const chatty = await saveRemoteAccount(bus(), 'chatty', 'peer.test');
    const crew = await saveRemoteAccount(bus(), 'crew', 'clubs.test');
    // The fan follows the viewer; the viewer follows pal, who accepts.
    await bus().request(contracts.accounts.relationships.follow, {
      viewerId: fan.id,
      targetId: viewer.accountId,
      uri: 'https://fans.test/follows/1',
    });
    await as(viewer).v1.accounts.$select(pal.id).follow();
    await bus().request(contracts.accounts.remote.acceptRemoteFollow, {
      actorId: pal.id,
      uri: await followUri(viewer.accountId, pal.id),
    });
    const relationships = await json<MRelationship[]>(
      `/api/v1/accounts/relationships?id[]=${fan.id}&id[]=${pal.id}&id[]=${crew.id}`,
      viewer.token,
    );
    expect(relationships.map((r) => [r.id, r.following, r.followed_by, r.requested])).toEqual([
      [fan.id, false, true, false],
      [pal.id, true, false, false],
      [crew.id, false, false, false],
    ]);

    const blocked = await as(viewer).v1.accounts.$select(fan.id).block();
    expect(blocked).toMatchObject({ blocking: true, followedBy: false });
    expect((await as(viewer).v1.blocks.list()).map((a) => a.acct)).toEqual(['fan@fans.test']);
    const { rows } = await sut.db.query<{ reason: string; uri: string }>(
      `SELECT payload->>'reason' AS reason, payload->>'uri' AS uri FROM accounts.outbox
        WHERE subject = 'events.accounts.follow.removed' AND payload->>'accountId' = $1`,
      [fan.id],
    );
    expect(rows).toEqual([{ reason: 'blocked', uri: 'https://fans.test/follows/1' }]);
    expect((await as(viewer).v1.accounts.$select(fan.id).unblock()).blocking).toBe(false);

    const muted = await as(viewer).v1.accounts.$select(chatty.id).mute({ notifications: false });
    expect(muted).toMatchObject({ muting: true, mutingNotifications: false });
    expect((await as(viewer).v1.mutes.list()).map((a) => a.acct)).toEqual(['chatty@peer.test']);

    // Blocking a whole domain shows on its accounts, and refuses following there.
    await as(viewer).v1.domainBlocks.create({ domain: 'CLUBS.test' });
    const [domainBlocked] = await as(viewer).v1.accounts.relationships.fetch({ id: [crew.id] });
    expect(domainBlocked.domainBlocking).toBe(true);
    const refused = await call(`/api/v1/accounts/${crew.id}/follow`, { method: 'POST', token: viewer.token });
    expect(refused.status).toBe(403);
  });
});
