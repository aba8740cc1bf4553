import type { NotificationPolicyAction, NotificationPolicyRules, NotificationType } from '@mammut/contracts';

/** Mastodon's threshold under which an account counts as new. */
export const NEW_ACCOUNT_DAYS = 30;

/** Kinds a policy may hold back; polls, edits, subscribed posts and admin notices always pass. */
const FILTERABLE: ReadonlySet<NotificationType> = new Set([
  'mention',
  'reblog',
  'follow',
  'follow_request',
  'favourite',
]);

/** What the policy needs to know about one notification and its sender. */
export interface SenderFacts {
  readonly type: NotificationType;
  /** The notified account follows the sender. */
  readonly following: boolean;
  /** The sender follows the notified account. */
  readonly followedBy: boolean;
  readonly senderCreatedAt: Date;
  /** Limited (silenced) by a moderator. */
  readonly senderLimited: boolean;
  /**
   * A private mention that does not answer one of the notified account's own private mentions
   * of the sender; asked lazily, since it takes a walk up the thread.
   */
  readonly privateMentionNotInResponse: () => Promise<boolean>;
  /** The account accepted this sender's request before. */
  readonly accepted: boolean;
  readonly now: Date;
}

/**
 * What a policy does with one notification, as Mastodon 4.3's NotifyService decides: nothing is
 * held back for a kind that is not filterable or from a sender the account accepted; otherwise
 * the strictest action among the conditions the sender meets wins (drop over filter over accept).
 * Following the sender exempts it from every condition but "not a follower".
 */
export async function policyAction(
  policy: NotificationPolicyRules,
  facts: SenderFacts,
): Promise<NotificationPolicyAction> {
  if (!FILTERABLE.has(facts.type) || facts.accepted) return 'accept';
  const isNew = facts.now.getTime() - facts.senderCreatedAt.getTime() < NEW_ACCOUNT_DAYS * 86_400_000;
  const met: NotificationPolicyAction[] = [];
  if (!facts.following) {
    met.push(policy.forNotFollowing);
    if (facts.senderLimited) met.push(policy.forLimitedAccounts);
    if (isNew) met.push(policy.forNewAccounts);
  }
  if (!facts.followedBy) met.push(policy.forNotFollowers);
  // The walk up the thread is taken only when its answer could change the outcome.
  const worthAsking =
    policy.forPrivateMentions === 'drop' ||
    (policy.forPrivateMentions === 'filter' && !met.includes('filter'));
  if (
    facts.type === 'mention' &&
    !facts.following &&
    !met.includes('drop') &&
    worthAsking &&
    (await facts.privateMentionNotInResponse())
  ) {
    met.push(policy.forPrivateMentions);
  }
  if (met.includes('drop')) return 'drop';
  return met.includes('filter') ? 'filter' : 'accept';
}
