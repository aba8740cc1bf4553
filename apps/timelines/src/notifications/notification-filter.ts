import type {
  NotificationPolicyAction,
  NotificationPolicyRules,
  NotificationType,
  Role,
} from '@mammut/contracts';

/** Mastodon's threshold under which an account counts as new. */
export const NEW_ACCOUNT_DAYS = 30;

/** Mastodon's threshold under which a follower does not count as one yet (a follow to be heard). */
export const NEW_FOLLOWER_DAYS = 3;

const DAY_MS = 86_400_000;

/**
 * Kinds a policy may hold back (Mastodon's `filterable` notification types); posts of subscribed
 * accounts, polls, edits and admin notices always pass it.
 */
const FILTERABLE: ReadonlySet<NotificationType> = new Set([
  'mention',
  'reblog',
  'follow',
  'follow_request',
  'favourite',
]);

/**
 * What an account hears of from itself: its own poll closing (Mastodon adds severed
 * relationships and moderation warnings, kinds Mammut does not make).
 */
const FROM_SELF: ReadonlySet<NotificationType> = new Set(['poll']);

/** Mastodon's default roles in the order of their positions (Moderator 10, Admin 100). */
const ROLE_RANK: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/**
 * Whether a local sender counts as staff towards the recipient, as Mastodon's `from_staff?` asks:
 * its role outranks the recipient's, and is a highlighted role with moderation powers (both
 * Mammut's moderator and admin are; a user's is neither).
 */
export function staffOver(sender: Role, recipient: Role): boolean {
  return sender !== 'user' && ROLE_RANK[sender] > ROLE_RANK[recipient];
}

/** What the policy needs to know about one notification, its sender and the recipient. */
export interface SenderFacts {
  readonly type: NotificationType;
  /** The sender is the recipient. */
  readonly fromSelf: boolean;
  /** The recipient follows the sender. */
  readonly following: boolean;
  /** Since when the sender follows the recipient; null when it does not. */
  readonly followedSince: Date | null;
  readonly blocking: boolean;
  /** The recipient mutes the sender, notifications included. */
  readonly mutingNotifications: boolean;
  /** The recipient mutes the sender, notifications or not. */
  readonly muting: boolean;
  /** The recipient blocks the sender's domain. */
  readonly domainBlocking: boolean;
  /** The recipient muted the thread of the status the notification is about. */
  readonly threadMuted: boolean;
  /**
   * A mention whose status also mentions, or answers, an account the recipient blocks or mutes
   * notifications from (Mastodon's FeedManager `filter?(:mentions)`).
   */
  readonly mentionsBlocked: boolean;
  readonly senderCreatedAt: Date;
  /** Limited (silenced) by a moderator. */
  readonly senderLimited: boolean;
  /** The account accepted this sender's request before. */
  readonly accepted: boolean;
  /** The sender is local staff that outranks the recipient; asked lazily, only for mentions. */
  readonly fromStaff: () => Promise<boolean>;
  /**
   * A private mention that does not answer one of the recipient's own private mentions of the
   * sender; asked lazily, since it takes a walk up the thread.
   */
  readonly privateMentionNotInResponse: () => Promise<boolean>;
  readonly now: Date;
}

/**
 * What happens to one notification, as Mastodon 4.3's NotifyService decides (its DropCondition,
 * then its FilterCondition):
 * - from oneself, only what one hears of from oneself (a poll closing) passes;
 * - a mention from staff always passes, whatever blocks, mutes or policy say;
 * - a blocked sender or domain (unless followed), notifications muted, a muted thread, a mention
 *   also mentioning or answering someone blocked or muted: dropped before any policy;
 * - a kind that is not filterable, or a sender the account accepted, passes the policy;
 * - otherwise the strictest action among the conditions the sender meets wins (drop over filter
 *   over accept). Following the sender exempts it from every condition but "not a follower", and
 *   a follower of less than three days is not one yet.
 */
export async function policyAction(
  policy: NotificationPolicyRules,
  facts: SenderFacts,
): Promise<NotificationPolicyAction> {
  if (facts.fromSelf) return FROM_SELF.has(facts.type) && !facts.threadMuted ? 'accept' : 'drop';
  const action = await unprivilegedAction(policy, facts);
  // Whether the sender is staff is asked only when the answer could change the outcome.
  if (action !== 'accept' && facts.type === 'mention' && (await facts.fromStaff())) return 'accept';
  return action;
}

async function unprivilegedAction(
  policy: NotificationPolicyRules,
  facts: SenderFacts,
): Promise<NotificationPolicyAction> {
  if (dropped(facts)) return 'drop';
  if (!FILTERABLE.has(facts.type) || facts.accepted) return 'accept';
  const now = facts.now.getTime();
  const isNew = now - facts.senderCreatedAt.getTime() < NEW_ACCOUNT_DAYS * DAY_MS;
  const isFollower =
    facts.followedSince !== null && now - facts.followedSince.getTime() >= NEW_FOLLOWER_DAYS * DAY_MS;
  const met: NotificationPolicyAction[] = [];
  if (!facts.following) {
    met.push(policy.forNotFollowing);
    if (facts.senderLimited) met.push(policy.forLimitedAccounts);
    if (isNew) met.push(policy.forNewAccounts);
  }
  if (!isFollower) met.push(policy.forNotFollowers);
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

/** What Mastodon drops before it asks any policy. */
function dropped(facts: SenderFacts): boolean {
  return (
    (facts.domainBlocking && !facts.following) ||
    facts.blocking ||
    facts.mutingNotifications ||
    facts.threadMuted ||
    (facts.type === 'mention' && facts.mentionsBlocked) ||
    // A muted author's statuses stay out of the home feed, and so does news of them (Mastodon's
    // FeedInsertWorker notifies only of what the home feed took).
    (facts.type === 'status' && facts.muting)
  );
}
