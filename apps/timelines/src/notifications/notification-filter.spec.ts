import type { NotificationPolicyRules } from '@mammut/contracts';
import { policyAction, type SenderFacts } from './notification-filter';
import { DEFAULT_POLICY } from './notification-policies.repository';

const now = new Date('2026-06-01T00:00:00Z');
const daysAgo = (days: number): Date => new Date(now.getTime() - days * 86_400_000);

/** A stranger, old enough, neither following nor followed, whose mention is public. */
const stranger = (overrides: Partial<SenderFacts> = {}): SenderFacts => ({
  type: 'mention',
  following: false,
  followedBy: false,
  senderCreatedAt: daysAgo(365),
  senderLimited: false,
  privateMentionNotInResponse: () => Promise.resolve(false),
  accepted: false,
  now,
  ...overrides,
});

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

  it('takes the strictest action among the conditions the sender meets', async () => {
    const rules = policy({ forNotFollowing: 'filter', forNewAccounts: 'drop' });
    expect(await policyAction(rules, stranger())).toBe('filter');
    expect(await policyAction(rules, stranger({ senderCreatedAt: daysAgo(29) }))).toBe('drop');
    expect(await policyAction(rules, stranger({ senderCreatedAt: daysAgo(31) }))).toBe('filter');
  });

  it('exempts senders the account follows from all but the followers condition', async () => {
    const rules = policy({ forNotFollowing: 'drop', forNewAccounts: 'drop', forLimitedAccounts: 'drop' });
    const followed = stranger({ following: true, senderLimited: true, senderCreatedAt: daysAgo(1) });
    expect(await policyAction(rules, followed)).toBe('accept');
    expect(await policyAction(policy({ forNotFollowers: 'filter' }), followed)).toBe('filter');
    expect(await policyAction(policy({ forNotFollowers: 'filter' }), stranger({ followedBy: true }))).toBe(
      'accept',
    );
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
