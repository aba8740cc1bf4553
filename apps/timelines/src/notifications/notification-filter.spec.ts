import type { NotificationPolicyRules } from '@mammut/contracts';
import { policyAction, type SenderFacts, staffOver } from './notification-filter';
import { DEFAULT_POLICY } from './notification-policies.repository';

const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);

/** A stranger, old enough, neither following nor followed, whose mention is public. */
const stranger = (overrides: Partial<SenderFacts> = {}): SenderFacts => ({
  type: 'mention',
  fromSelf: false,
  following: false,
  followedSince: null,
  blocking: false,
  mutingNotifications: false,
  muting: false,
  domainBlocking: false,
  threadMuted: false,
  mentionsBlocked: false,
  senderCreatedAt: daysAgo(365),
  senderLimited: false,
  accepted: false,
  fromStaff: () => Promise.resolve(false),
  privateMentionNotInResponse: () => Promise.resolve(false),
  now,
  ...overrides,
});

const staff = { fromStaff: () => Promise.resolve(true) };

const policy = (rules: Partial<NotificationPolicyRules>): NotificationPolicyRules => ({
  ...DEFAULT_POLICY,
  ...rules,
});

describe('policyAction', () => {
  it('accepts everything under the defaults but limited strangers and private mentions', async () => {
    expect(await policyAction(DEFAULT_POLICY, stranger())).toBe('accept');
    expect(await policyAction(DEFAULT_POLICY, stranger({ senderLimited: true }))).toBe('filter');
    const privately = stranger({ privateMentionNotInResponse: () => Promise.resolve(true) });
    expect(await policyAction(DEFAULT_POLICY, privately)).toBe('filter');
  });

  it('applies each condition to the sender that meets it', async () => {
    expect(await policyAction(policy({ forNotFollowing: 'drop' }), stranger())).toBe('drop');
    expect(await policyAction(policy({ forNotFollowers: 'drop' }), stranger())).toBe('drop');
    expect(await policyAction(policy({ forNewAccounts: 'drop' }), stranger())).toBe('accept');
    expect(
      await policyAction(policy({ forNewAccounts: 'drop' }), stranger({ senderCreatedAt: daysAgo(29) })),
    ).toBe('drop');
    expect(await policyAction(policy({ forLimitedAccounts: 'drop' }), stranger())).toBe('accept');
    expect(
      await policyAction(policy({ forLimitedAccounts: 'drop' }), stranger({ senderLimited: true })),
    ).toBe('drop');
    const privately = stranger({ privateMentionNotInResponse: () => Promise.resolve(true) });
    expect(await policyAction(policy({ forPrivateMentions: 'drop' }), privately)).toBe('drop');
    expect(await policyAction(policy({ forPrivateMentions: 'accept' }), privately)).toBe('accept');
  });

  it('takes the strictest action among the conditions the sender meets', async () => {
    const rules = policy({ forNotFollowing: 'filter', forNewAccounts: 'drop' });
    expect(await policyAction(rules, stranger())).toBe('filter');
    expect(await policyAction(rules, stranger({ senderCreatedAt: daysAgo(29) }))).toBe('drop');
    expect(await policyAction(rules, stranger({ senderCreatedAt: daysAgo(31) }))).toBe('filter');
  });

  it('exempts senders the account follows from all but the followers condition', async () => {
    const rules = policy({ forNotFollowing: 'drop', forNewAccounts: 'drop', forLimitedAccounts: 'drop' });
    const followed = stranger({
      following: true,
      senderLimited: true,
      senderCreatedAt: daysAgo(1),
      privateMentionNotInResponse: () => Promise.resolve(true),
    });
    expect(await policyAction(rules, followed)).toBe('accept');
    expect(await policyAction(policy({ forPrivateMentions: 'drop' }), followed)).toBe('accept');
    expect(await policyAction(policy({ forNotFollowers: 'filter' }), followed)).toBe('filter');
  });

  it('counts a follower only once it has followed for three days', async () => {
    const rules = policy({ forNotFollowers: 'filter' });
    expect(await policyAction(rules, stranger({ followedSince: daysAgo(4) }))).toBe('accept');
    expect(await policyAction(rules, stranger({ followedSince: daysAgo(3) }))).toBe('accept');
    expect(await policyAction(rules, stranger({ followedSince: daysAgo(2.9) }))).toBe('filter');
    expect(await policyAction(rules, stranger({ followedSince: now }))).toBe('filter');
    expect(
      await policyAction(policy({ forNotFollowers: 'drop' }), stranger({ followedSince: daysAgo(1) })),
    ).toBe('drop');
  });

  it('never holds back an accepted sender, nor kinds that are not filterable', async () => {
    const rules = policy({ forNotFollowing: 'drop' });
    expect(await policyAction(rules, stranger({ accepted: true }))).toBe('accept');
    for (const type of ['poll', 'update', 'status', 'admin.sign_up', 'admin.report'] as const) {
      expect(await policyAction(rules, stranger({ type }))).toBe('accept');
    }
    for (const type of ['follow', 'follow_request', 'favourite', 'reblog'] as const) {
      expect(await policyAction(rules, stranger({ type }))).toBe('drop');
    }
  });

  it('drops blocked, muted and domain-blocked senders and muted threads before any policy', async () => {
    const open = policy({ forPrivateMentions: 'accept', forLimitedAccounts: 'accept' });
    for (const stop of [
      { blocking: true },
      { mutingNotifications: true, muting: true },
      { domainBlocking: true },
      { threadMuted: true },
      { mentionsBlocked: true },
    ]) {
      expect(await policyAction(open, stranger(stop))).toBe('drop');
      // Not even an accepted sender, nor a kind the policy does not hold back.
      expect(await policyAction(open, stranger({ ...stop, accepted: true }))).toBe('drop');
    }
    for (const type of ['update', 'poll', 'status'] as const) {
      expect(await policyAction(open, stranger({ type, blocking: true }))).toBe('drop');
    }
    // Muted without notifications: notified, but never of the muted author's new posts.
    expect(await policyAction(open, stranger({ muting: true }))).toBe('accept');
    expect(await policyAction(open, stranger({ type: 'status', muting: true }))).toBe('drop');
    // A domain blocked still lets through the accounts of it one follows.
    expect(await policyAction(open, stranger({ domainBlocking: true, following: true }))).toBe('accept');
    // Mentioning someone blocked matters to mentions only.
    expect(await policyAction(open, stranger({ type: 'favourite', mentionsBlocked: true }))).toBe('accept');
  });

  it('lets a mention from staff through whatever blocks, mutes and the policy say', async () => {
    const strict = policy({
      forNotFollowing: 'drop',
      forNotFollowers: 'drop',
      forNewAccounts: 'drop',
      forPrivateMentions: 'drop',
      forLimitedAccounts: 'drop',
    });
    expect(await policyAction(strict, stranger(staff))).toBe('accept');
    expect(await policyAction(policy({ forNotFollowing: 'filter' }), stranger(staff))).toBe('accept');
    for (const stop of [
      { blocking: true },
      { mutingNotifications: true, muting: true },
      { domainBlocking: true },
      { threadMuted: true },
      { mentionsBlocked: true },
    ]) {
      expect(await policyAction(strict, stranger({ ...stop, ...staff }))).toBe('accept');
    }
    // Only mentions: staff favouriting is a stranger favouriting.
    expect(await policyAction(strict, stranger({ type: 'favourite', ...staff }))).toBe('drop');
    expect(
      await policyAction(DEFAULT_POLICY, stranger({ type: 'follow', senderLimited: true, ...staff })),
    ).toBe('filter');
  });

  it('asks whether the sender is staff only when the answer could change the outcome', async () => {
    const fromStaff = jest.fn(() => Promise.resolve(true));
    expect(await policyAction(DEFAULT_POLICY, stranger({ fromStaff }))).toBe('accept');
    expect(
      await policyAction(policy({ forNotFollowing: 'drop' }), stranger({ type: 'reblog', fromStaff })),
    ).toBe('drop');
    expect(fromStaff).not.toHaveBeenCalled();
    expect(await policyAction(policy({ forNotFollowing: 'drop' }), stranger({ fromStaff }))).toBe('accept');
    expect(fromStaff).toHaveBeenCalledTimes(1);
  });

  it('lets through from oneself only one’s own poll closing, and not in a muted thread', async () => {
    const self = { fromSelf: true, following: false, followedSince: null };
    expect(await policyAction(DEFAULT_POLICY, stranger({ ...self, type: 'poll' }))).toBe('accept');
    expect(
      await policyAction(
        policy({ forNotFollowing: 'drop', forNotFollowers: 'drop' }),
        stranger({ ...self, type: 'poll' }),
      ),
    ).toBe('accept');
    expect(await policyAction(DEFAULT_POLICY, stranger({ ...self, type: 'poll', threadMuted: true }))).toBe(
      'drop',
    );
    for (const type of ['mention', 'favourite', 'reblog', 'update', 'follow'] as const) {
      expect(await policyAction(DEFAULT_POLICY, stranger({ ...self, type, ...staff }))).toBe('drop');
    }
  });

  it('walks up the thread only when the answer could change the outcome', async () => {
    const walk = jest.fn(() => Promise.resolve(true));
    const facts = stranger({ privateMentionNotInResponse: walk });
    expect(await policyAction(policy({ forPrivateMentions: 'accept' }), facts)).toBe('accept');
    expect(await policyAction(policy({ forNotFollowing: 'drop' }), facts)).toBe('drop');
    expect(await policyAction(policy({ forNotFollowing: 'filter' }), facts)).toBe('filter');
    expect(
      await policyAction(
        policy({ forPrivateMentions: 'filter' }),
        stranger({ type: 'favourite', privateMentionNotInResponse: walk }),
      ),
    ).toBe('accept');
    expect(walk).not.toHaveBeenCalled();
    expect(await policyAction(policy({ forNotFollowing: 'filter', forPrivateMentions: 'drop' }), facts)).toBe(
      'drop',
    );
    expect(walk).toHaveBeenCalledTimes(1);
  });
});

describe('staffOver', () => {
  it('counts moderators and admins as staff towards those they outrank only', () => {
    expect(staffOver('moderator', 'user')).toBe(true);
    expect(staffOver('admin', 'user')).toBe(true);
    expect(staffOver('admin', 'moderator')).toBe(true);
    expect(staffOver('moderator', 'moderator')).toBe(false);
    expect(staffOver('moderator', 'admin')).toBe(false);
    expect(staffOver('admin', 'admin')).toBe(false);
    expect(staffOver('user', 'user')).toBe(false);
  });
});
