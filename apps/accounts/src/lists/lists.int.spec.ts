import { ContractError, contracts } from '@mammut/contracts';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(90_000);

const lists = contracts.accounts.lists;

/**
 * The lists contracts over real NATS, as the gateway and the timelines service call them: the
 * events a feed is kept by, memberships that never outlive the follow, and the fan-out reads.
 */
describe('lists in the accounts service', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let owner: SeededUser;
  let member: SeededUser;
  let other: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });

  /** The list events of one list in the outbox, oldest first, as `subject member reason`. */
  const eventsOf = async (listId: string): Promise<string[]> => {
    const { rows } = await sut.db.query<{ subject: string; payload: Record<string, string> }>(
      `SELECT subject, payload FROM accounts.outbox WHERE payload->>'listId' = $1 ORDER BY id`,
      [listId],
    );
    return rows.map(({ subject, payload }) =>
      [subject.replace('events.accounts.', ''), payload.accountId, payload.reason].filter(Boolean).join(' '),
    );
  };

  const failure = async (call: Promise<unknown>): Promise<string> => {
    try {
      await call;
    } catch (error) {
      if (error instanceof ContractError) return error.code;
      throw error;
    }
    throw new Error('the call succeeded');
  };

  beforeAll(async () => {
    [owner, member, other] = await Promise.all(
      ['li_owner', 'li_member', 'li_other'].map((username) => seedUser(sut.t, { username })),
    );
    await as(owner).v1.accounts.$select(member.accountId).follow();
    await as(owner).v1.accounts.$select(other.accountId).follow();
  });

  it('writes an event for each member added and removed, whoever removed it, and for the list deleted', async () => {
    const list = await bus().request(lists.createList, { viewerId: owner.accountId, title: 'Events' });
    const members = { viewerId: owner.accountId, listId: list.id };
    await bus().request(lists.addMembers, { ...members, accountIds: [member.accountId, owner.accountId] });
    // Removing one that is not listed writes nothing.
    await bus().request(lists.removeMembers, { ...members, accountIds: [member.accountId, other.accountId] });
    await bus().request(lists.addMembers, { ...members, accountIds: [member.accountId] });
    await as(owner).v1.accounts.$select(member.accountId).unfollow();
    // The owner itself stays: its membership needs no follow.
    expect(
      (await bus().request(lists.listMembers, { ...members, page: null })).items.map((i) => i.account.id),
    ).toEqual([owner.accountId]);
    await bus().request(lists.deleteList, members);
    expect(await eventsOf(list.id)).toEqual([
      `list_member.added ${member.accountId}`,
      `list_member.added ${owner.accountId}`,
      `list_member.removed ${member.accountId} removed`,
      `list_member.added ${member.accountId}`,
      `list_member.removed ${member.accountId} unfollowed`,
      'list.deleted',
    ]);
    expect(await failure(bus().request(lists.getList, members))).toBe('not_found');
    await as(owner).v1.accounts.$select(member.accountId).follow();
  });

  it('never leaves a membership whose follow is gone, however an addition and an unfollow race', async () => {
    const list = await bus().request(lists.createList, { viewerId: owner.accountId, title: 'Race' });
    const add = { viewerId: owner.accountId, listId: list.id, accountIds: [other.accountId] };
    for (let round = 0; round < 15; round++) {
      await Promise.allSettled([
        bus().request(lists.addMembers, add),
        as(owner).v1.accounts.$select(other.accountId).unfollow(),
      ]);
      const { rows } = await sut.db.query<{ orphans: number }>(
        `SELECT count(*)::int AS orphans FROM accounts.list_accounts la JOIN accounts.lists l ON l.id = la.list_id
          WHERE la.account_id <> l.account_id AND NOT EXISTS (SELECT 1 FROM accounts.follows f
            WHERE f.account_id = l.account_id AND f.target_account_id = la.account_id)`,
      );
      expect(rows[0].orphans).toBe(0);
      await as(owner).v1.accounts.$select(other.accountId).follow();
    }
    await bus().request(lists.deleteList, { viewerId: owner.accountId, listId: list.id });
  });

  it('answers the fan-out reads: the lists holding an author, with what their replies policy needs', async () => {
    const plain = await bus().request(lists.createList, { viewerId: owner.accountId, title: 'Plain' });
    const exclusive = await bus().request(lists.createList, {
      viewerId: owner.accountId,
      title: 'Only here',
      repliesPolicy: 'followed',
      exclusive: true,
    });
    await bus().request(lists.addMembers, {
      viewerId: owner.accountId,
      listId: plain.id,
      accountIds: [member.accountId, other.accountId],
    });
    await bus().request(lists.addMembers, {
      viewerId: owner.accountId,
      listId: exclusive.id,
      accountIds: [member.accountId],
    });
    const { memberships } = await bus().request(lists.listMemberships, {
      accountId: member.accountId,
      replyTargetId: other.accountId,
      after: null,
      limit: 1,
    });
    expect(memberships).toEqual([
      expect.objectContaining({
        listId: plain.id,
        ownerId: owner.accountId,
        repliesPolicy: 'list',
        exclusive: false,
        ownerFollowsReplyTarget: true,
        replyTargetListed: true,
      }),
    ]);
    const rest = await bus().request(lists.listMemberships, {
      accountId: member.accountId,
      replyTargetId: other.accountId,
      after: memberships[0].cursor,
      limit: 10,
    });
    expect(rest.memberships).toEqual([
      expect.objectContaining({ listId: exclusive.id, exclusive: true, replyTargetListed: false }),
    ]);
    expect(
      await bus().request(lists.filterExclusiveOwners, {
        accountId: member.accountId,
        ownerIds: [owner.accountId, other.accountId],
      }),
    ).toEqual({ ownerIds: [owner.accountId] });
    expect(
      await bus().request(lists.filterExclusiveOwners, {
        accountId: other.accountId,
        ownerIds: [owner.accountId],
      }),
    ).toEqual({ ownerIds: [] });
    const targets = await bus().request(lists.getReplyTargets, {
      listId: exclusive.id,
      accountIds: [other.accountId, member.accountId, owner.accountId],
    });
    expect(targets).toMatchObject({
      list: { id: exclusive.id, repliesPolicy: 'followed' },
      followed: [other.accountId, member.accountId],
      listed: [member.accountId],
    });
    await bus().request(lists.deleteList, { viewerId: owner.accountId, listId: exclusive.id });
    expect(
      await bus().request(lists.getReplyTargets, { listId: exclusive.id, accountIds: [member.accountId] }),
    ).toEqual({ list: null, followed: [], listed: [] });
    await bus().request(lists.deleteList, { viewerId: owner.accountId, listId: plain.id });
  });
});
