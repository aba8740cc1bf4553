import { contracts } from '@mammut/contracts';
import type { mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { clientOf, followAcross } from './support/federation';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(120_000);

const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };

/**
 * What an instance domain block does to the domain's accounts, as Mastodon's: `silence` limits
 * them (known ones at once, new ones as they arrive), so their posts leave the public timelines of
 * those who do not follow them and their follows become requests; `suspend` suspends them and
 * severs every follow with them; lifting the block lifts what it did, and only that.
 */
describe('instance domain blocks on accounts', () => {
  const a = useTestSystem(FEDERATING);
  const b = useTestSystem(FEDERATING);
  let alice: SeededUser;
  let dave: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  let erin: SeededUser;
  let bobOnA: mastodon.v1.Account;
  let frankOnA: mastodon.v1.Account;

  const bus = () => a.t.system.runtime.bus;
  const block = (severity: 'silence' | 'suspend') =>
    bus().request(contracts.federation.domainBlocks.create, { domain: b.t.domain, severity });

  /** The account as A shows it to alice. */
  const onA = async (id: string): Promise<mastodon.v1.Account> =>
    clientOf(a.t, alice).v1.accounts.$select(id).fetch();

  /** bob posts on B; A has it once delivered (alice follows bob). */
  const bobPosts = async (text: string): Promise<string> => {
    const status = await clientOf(b.t, bob).v1.statuses.create({ status: text });
    await pollUntil(
      async () => await clientOf(a.t, alice).v1.timelines.home.list(),
      (home) => home.some((s) => s.uri === status.uri),
      10_000,
    );
    return status.uri;
  };

  const publicUris = async (user: SeededUser): Promise<string[]> =>
    (await clientOf(a.t, user).v1.timelines.public.list({ limit: 40 })).map((s) => s.uri);

  beforeAll(async () => {
    [alice, dave] = await seedUsers(a.t, ['alice', 'dave']);
    [bob, carol, erin] = await seedUsers(b.t, ['bob', 'carol', 'erin', 'frank']);
    bobOnA = await followAcross(a.t, alice, `bob@${b.t.domain}`);
    await followAcross(b.t, carol, `alice@${a.t.domain}`);
    const { accounts } = await clientOf(a.t, alice).v2.search.list({
      q: `@frank@${b.t.domain}`,
      resolve: true,
      type: 'accounts',
    });
    [frankOnA] = accounts;
    // A moderator limited frank on his own before any block.
    await bus().request(contracts.accounts.admin.silenceAccount, { accountId: frankOnA.id });
  });

  it('silences the domain: its posts reach followers only, new accounts arrive limited, their follows ask', async () => {
    const before = await bobPosts('before the block');
    expect(await publicUris(dave)).toContain(before);
    await block('silence');
    await pollUntil(
      () => onA(bobOnA.id),
      (account) => account.limited === true,
      10_000,
    );
    const after = await bobPosts('after the block');
    // dave does not follow bob: neither post is on his public timeline any more; alice follows him.
    const seenByDave = await publicUris(dave);
    expect(seenByDave).not.toContain(before);
    expect(seenByDave).not.toContain(after);
    expect(await publicUris(alice)).toEqual(expect.arrayContaining([before, after]));
    const home = (await clientOf(a.t, alice).v1.timelines.home.list()).map((s) => s.uri);
    expect(home).toEqual(expect.arrayContaining([before, after]));

    // erin is new to A: limited from the start; her follow of alice waits for alice's approval.
    const erinClient = clientOf(b.t, erin);
    const { accounts } = await erinClient.v2.search.list({
      q: `@alice@${a.t.domain}`,
      resolve: true,
      type: 'accounts',
    });
    await erinClient.v1.accounts.$select(accounts[0].id).follow();
    const requests = await pollUntil(
      async () => await clientOf(a.t, alice).v1.followRequests.list(),
      (list) => list.length === 1,
      10_000,
    );
    expect(requests[0]).toMatchObject({ acct: `erin@${b.t.domain}`, limited: true });
    await settled(b.t);
    const [relationship] = await erinClient.v1.accounts.relationships.fetch({ id: [accounts[0].id] });
    expect(relationship).toMatchObject({ following: false, requested: true });
  });

  it('suspends the domain: its accounts vanish and every follow with them is severed', async () => {
    await bus().request(contracts.federation.domainBlocks.update, {
      domain: b.t.domain,
      severity: 'suspend',
    });
    const aliceClient = clientOf(a.t, alice);
    await pollUntil(
      async () =>
        (await aliceClient.v1.accounts.relationships.fetch({ id: [bobOnA.id], withSuspended: true }))[0],
      (relationship) => relationship !== undefined && !relationship.following,
      10_000,
    );
    await settled(a.t);
    const me = await aliceClient.v1.accounts.verifyCredentials();
    expect({ followers: me.followersCount, following: me.followingCount }).toEqual({
      followers: 0,
      following: 0,
    });
    expect(await aliceClient.v1.followRequests.list()).toEqual([]);
    expect(await aliceClient.v1.accounts.$select(alice.accountId).followers.list()).toEqual([]);
    // bob's posts are gone with him: from alice's home and from the public timelines.
    expect((await aliceClient.v1.timelines.home.list()).filter((s) => s.account.acct.includes('@'))).toEqual(
      [],
    );
    expect((await publicUris(alice)).filter((uri) => uri.startsWith(b.t.url))).toEqual([]);
  });

  it('lifts what the block did, and only that: follows stay severed, a moderator’s own limit stays', async () => {
    await bus().request(contracts.federation.domainBlocks.remove, { domain: b.t.domain });
    await pollUntil(
      () => onA(bobOnA.id).catch(() => null),
      (account) => account !== null && !account.suspended && !account.limited,
      10_000,
    );
    expect((await onA(frankOnA.id)).limited).toBe(true);
    const [relationship] = await clientOf(a.t, alice).v1.accounts.relationships.fetch({ id: [bobOnA.id] });
    expect(relationship.following).toBe(false);
  });
});
