import { Inject, Injectable } from '@nestjs/common';
import { type AccountRecord, contracts, type NotificationType, type StatusRecord } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  EventSubscriber,
  type Subscription,
  on,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { TIMELINES_DB, TIMELINES_SCHEMA } from '../database/timelines-database';
import { eachPage } from '../each-page';
import { NotificationsStore } from './notifications.store';
import { StreamPublisher } from '../streaming/stream-publisher';
import { policyAction, staffOver } from './notification-filter';
import { NotificationPoliciesRepository } from './notification-policies.repository';

const statusEvents = contracts.statuses.statuses.events;
const interactionEvents = contracts.statuses.interactions.events;
const pollEvents = contracts.statuses.polls.events;
/** Rebloggers and voters asked for per bus request while notifying them. */
const PAGE = 200;
const followEvents = contracts.accounts.relationships.events;
const userEvents = contracts.accounts.admin.events;

/**
 * Makes notifications from what other services announce, as Mastodon's NotifyService does: a
 * mention for each local account a status mentions, a status for each local follower who asked
 * to hear of the author's posts, a follow or follow request for a local account followed, a
 * favourite or reblog for a local author, an update for those who reblogged an edited status, a
 * poll notification to a closed poll's author and voters, a sign-up and a new report for the staff
 * who may manage users. Nobody else is
 * notified by themselves, nor by an account they block or mute (notifications included) or whose
 * domain they block (unless they follow them), nor about a status of a thread they muted (asked
 * once per status, of everyone it would notify), nor of a mention that also mentions or answers
 * someone they block or mute. Then the account's notification policy (Mastodon 4.3) accepts,
 * filters (kept out of the list and the streams, a mention gathered into its sender's request) or
 * drops what remains. A mention from staff who outrank the account passes all of that. A deleted status
 * takes its notifications along; an authorized or rejected request, its follow_request
 * notification.
 */
@Injectable()
export class Notify extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TIMELINES_DB) db: DataSource,
    private readonly store: NotificationsStore,
    private readonly policies: NotificationPoliciesRepository,
    private readonly streams: StreamPublisher,
  ) {
    super(runtime, { schema: TIMELINES_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'notifications-statuses',
        handlers: [
          on(statusEvents.statusCreated, ({ status, reblogged }, tx) =>
            reblogged
              ? this.notify(tx, reblogged.accountId, status.accountId, 'reblog', reblogged.id)
              : this.mentions(tx, status).then(() => this.subscribers(tx, status)),
          ),
          on(statusEvents.statusDeleted, async (deleted, tx) => {
            await this.store.removeForStatus(tx, deleted.statusId);
            if (deleted.reblogOfId && deleted.reblogOfAccountId)
              await this.store.removeFor(
                tx,
                deleted.reblogOfAccountId,
                deleted.accountId,
                'reblog',
                deleted.reblogOfId,
              );
          }),
          on(statusEvents.statusUpdated, async ({ status, addedMentions }, tx) => {
            for (const accountId of addedMentions)
              await this.notify(tx, accountId, status.accountId, 'mention', status.id, {
                mentioning: status,
              });
            await this.eachReblogger(status.id, async (accountId) => {
              // Each edit notifies anew, as Mastodon does: the newest replaces the one before.
              await this.store.removeFor(tx, accountId, status.accountId, 'update', status.id);
              await this.notify(tx, accountId, status.accountId, 'update', status.id);
            });
          }),
          on(pollEvents.pollExpired, async ({ pollId, statusId, accountId }, tx) => {
            await this.notify(tx, accountId, accountId, 'poll', statusId);
            await this.eachVoter(pollId, async (voterId) =>
              this.notify(tx, voterId, accountId, 'poll', statusId),
            );
          }),
          on(interactionEvents.favouriteCreated, (p, tx) =>
            this.notify(tx, p.statusAccountId, p.accountId, 'favourite', p.statusId),
          ),
          on(interactionEvents.favouriteRemoved, (p, tx) =>
            this.store.removeFor(tx, p.statusAccountId, p.accountId, 'favourite', p.statusId),
          ),
        ],
      },
      {
        consumer: 'notifications-accounts',
        handlers: [
          on(followEvents.followCreated, (p, tx) =>
            this.notify(tx, p.targetAccountId, p.accountId, 'follow', null),
          ),
          on(followEvents.followRequestCreated, (p, tx) =>
            this.notify(tx, p.targetAccountId, p.accountId, 'follow_request', null),
          ),
          on(followEvents.followRequestAuthorized, (p, tx) =>
            this.store.removeBetween(tx, p.targetAccountId, p.accountId, ['follow_request']),
          ),
          on(followEvents.followRequestRejected, (p, tx) =>
            this.store.removeBetween(tx, p.targetAccountId, p.accountId, ['follow_request']),
          ),
          on(userEvents.userActivated, (p, tx) => this.signUp(tx, p.accountId)),
        ],
      },
      {
        consumer: 'notifications-reports',
        handlers: [
          on(contracts.moderation.reports.events.reportCreated, ({ report }, tx) =>
            this.eachUserManager((managerId) =>
              this.notify(tx, managerId, report.accountId, 'admin.report', null, { reportId: report.id }),
            ),
          ),
        ],
      },
    ];
  }

  private async mentions(tx: EntityManager, status: StatusRecord): Promise<void> {
    const muted = await this.mutedThread(status.id, status.mentions);
    // A muted thread still hears of staff, so the mute goes to the policy rather than skipping here.
    for (const accountId of status.mentions)
      await this.notify(tx, accountId, status.accountId, 'mention', status.id, {
        mentioning: status,
        threadMuted: muted.has(accountId),
      });
  }

  /**
   * A `status` notification for each local follower who follows the author with `notify=true`,
   * when Mastodon's FeedInsertWorker sends one: not for a reply to someone else (a thread of the
   * author's own is fine), and of a direct status only to followers it mentions, since only they
   * receive it. Reblogs never come here. Muted threads are asked once per page of followers.
   */
  private async subscribers(tx: EntityManager, status: StatusRecord): Promise<void> {
    if (status.inReplyToId !== null && status.inReplyToAccountId !== status.accountId) return;
    const mentioned = new Set(status.mentions);
    for (let after: string | null = null; ; ) {
      const { followers }: { followers: { cursor: string; accountId: string }[] } = await this.bus.request(
        contracts.accounts.relationships.listNotifiedFollowers,
        { accountId: status.accountId, after, limit: PAGE },
      );
      const ids = followers
        .map((follower) => follower.accountId)
        .filter((id) => status.visibility !== 'direct' || mentioned.has(id));
      const muted = await this.mutedThread(status.id, ids);
      for (const accountId of ids) {
        if (muted.has(accountId)) continue;
        await this.notify(tx, accountId, status.accountId, 'status', status.id, { threadMuted: false });
      }
      if (followers.length < PAGE) return;
      after = followers[followers.length - 1].cursor;
    }
  }

  /**
   * `admin.sign_up` from a new local user to every local user who may manage users, as Mastodon's
   * BootstrapTimelineService tells its staff once the user is confirmed and approved.
   */
  private signUp(tx: EntityManager, accountId: string): Promise<void> {
    return this.eachUserManager((managerId) => this.notify(tx, managerId, accountId, 'admin.sign_up', null));
  }

  /**
   * Every local account whose user may manage users and reports (Mastodon's default Moderator and
   * Admin roles have both), page by page: who hears of sign-ups and of new reports (ReportService's
   * notify_staff!, an `admin.report` from the reporter).
   */
  private async eachUserManager(apply: (accountId: string) => Promise<void>): Promise<void> {
    for (let after: string | null = null; ; ) {
      const { accountIds }: { accountIds: string[] } = await this.bus.request(
        contracts.accounts.admin.listUserManagers,
        { after, limit: PAGE },
      );
      for (const managerId of accountIds) await apply(managerId);
      if (accountIds.length < PAGE) return;
      after = accountIds[accountIds.length - 1];
    }
  }

  /** Every account that reblogged the status (where everyone may see the reblog), page by page. */
  private eachReblogger(statusId: string, apply: (accountId: string) => Promise<void>): Promise<void> {
    return eachPage(
      {
        limit: PAGE,
        fetch: async (maxId) =>
          (
            await this.bus.request(contracts.statuses.interactions.listRebloggers, {
              statusId,
              page: { limit: PAGE, ...(maxId ? { maxId } : {}) },
            })
          ).items,
        cursorOf: (item) => item.cursor,
      },
      async (items) => {
        for (const item of items) await apply(item.accountId);
      },
    );
  }

  /** Every account that voted in the poll, page by page. */
  private eachVoter(pollId: string, apply: (accountId: string) => Promise<void>): Promise<void> {
    return eachPage(
      {
        limit: PAGE,
        fetch: async (after) =>
          (await this.bus.request(contracts.statuses.polls.listVoters, { pollId, after, limit: PAGE }))
            .accountIds,
        cursorOf: (accountId) => accountId,
      },
      async (accountIds) => {
        for (const accountId of accountIds) await apply(accountId);
      },
    );
  }

  /** Of the accounts, those who muted the thread of the status: one request for them all. */
  private async mutedThread(statusId: string, accountIds: readonly string[]): Promise<Set<string>> {
    if (!accountIds.length) return new Set();
    const { accountIds: muters } = await this.bus.request(
      contracts.statuses.conversations.filterConversationMuters,
      { statusId, accountIds: [...accountIds] },
    );
    return new Set(muters);
  }

  /**
   * One notification, unless the policy drops it. `threadMuted` says whether the recipient muted
   * the status's thread when the caller asked already (for many recipients at once).
   */
  private async notify(
    tx: EntityManager,
    accountId: string,
    fromAccountId: string,
    type: NotificationType,
    statusId: string | null,
    {
      mentioning,
      threadMuted,
      reportId = null,
    }: { mentioning?: StatusRecord; threadMuted?: boolean; reportId?: string | null } = {},
  ): Promise<void> {
    const fromSelf = accountId === fromAccountId;
    // What one hears of from oneself (a poll closing) is all that could pass: nothing to ask.
    if (fromSelf && type !== 'poll') return;
    // Everyone else the status mentions or answers, whom a recipient blocking or muting drops the
    // mention (Mastodon's `filter?(:mentions)`), asked with the sender in one request; past the
    // request's limit, the first ones.
    const involved = mentioning ? [...mentioning.mentions] : [];
    if (mentioning?.inReplyToAccountId) involved.push(mentioning.inReplyToAccountId);
    const others = [...new Set(involved)]
      .filter((id) => id !== accountId && id !== fromAccountId)
      .slice(0, 199);
    const [{ accounts }, { relationships }, muted] = await Promise.all([
      this.bus.request(contracts.accounts.profiles.getAccounts, { ids: [accountId, fromAccountId] }),
      fromSelf
        ? { relationships: [] }
        : this.bus.request(contracts.accounts.relationships.getRelationships, {
            viewerId: accountId,
            ids: [fromAccountId, ...others],
            withSuspended: false,
          }),
      threadMuted ??
        (statusId !== null && this.mutedThread(statusId, [accountId]).then((ids) => ids.has(accountId))),
    ]);
    const recipient = accounts.find((account) => account.id === accountId);
    const sender = accounts.find((account) => account.id === fromAccountId);
    if (!recipient || recipient.domain !== null || recipient.suspended || !sender) return;
    const facts = relationships.find((relationship) => relationship.id === fromAccountId);
    if (!fromSelf && !facts) return;
    const followedSince = facts?.followedBySince ? new Date(facts.followedBySince) : null;
    const action = await policyAction(await this.policies.rules(accountId, tx), {
      type,
      fromSelf,
      following: facts?.following ?? false,
      followedSince,
      blocking: facts?.blocking ?? false,
      mutingNotifications: (facts?.muting && facts.mutingNotifications) ?? false,
      muting: facts?.muting ?? false,
      domainBlocking: facts?.domainBlocking ?? false,
      threadMuted: muted,
      mentionsBlocked: relationships.some(
        (other) =>
          other.id !== fromAccountId && (other.blocking || (other.muting && other.mutingNotifications)),
      ),
      senderCreatedAt: new Date(sender.createdAt),
      senderLimited: sender.limited,
      accepted: !fromSelf && (await this.policies.accepted(tx, accountId, fromAccountId)),
      fromStaff: () => this.fromStaff(recipient.id, sender),
      privateMentionNotInResponse: () => this.privateMentionNotInResponse(accountId, mentioning),
      now: new Date(),
    });
    if (action === 'drop') return;
    const filtered = action === 'filter';
    const added = await this.store.add(tx, { accountId, fromAccountId, type, statusId, reportId, filtered });
    if (added && !filtered) this.streams.toUsers([accountId], { event: 'notification', notification: added });
  }

  /** Whether a local sender's role outranks the recipient's as staff: one request for both roles. */
  private async fromStaff(recipientId: string, sender: AccountRecord): Promise<boolean> {
    if (sender.domain !== null) return false;
    const { roles } = await this.bus.request(contracts.accounts.admin.getUserRoles, {
      accountIds: [recipientId, sender.id],
    });
    const roleOf = (id: string) => roles.find((entry) => entry.accountId === id)?.role;
    const senderRole = roleOf(sender.id);
    return senderRole !== undefined && staffOver(senderRole, roleOf(recipientId) ?? 'user');
  }

  /**
   * A direct status that does not answer one of the recipient's own direct statuses mentioning its
   * author, as Mastodon walks up the thread (101 statuses at most): from the parent up to the
   * first status mentioning the author (the parent by anyone, those above by the recipient), which
   * answers when it is the recipient's and direct.
   */
  private async privateMentionNotInResponse(accountId: string, status?: StatusRecord): Promise<boolean> {
    if (!status || status.visibility !== 'direct') return false;
    if (status.inReplyToId === null) return true;
    const { ancestors } = await this.bus.request(contracts.statuses.statuses.getContext, {
      statusId: status.id,
      ancestors: 101,
      descendants: 0,
      depth: 1,
    });
    const byId = new Map(ancestors.map((ancestor) => [ancestor.id, ancestor]));
    let next: string | null = status.inReplyToId;
    // Bounded as the walk is, whatever loop the replies make.
    for (let depth = 0; next !== null && depth <= 100; depth++) {
      const ancestor = byId.get(next);
      if (!ancestor) return true;
      const mine = ancestor.accountId === accountId;
      if (ancestor.mentions.includes(status.accountId) && (depth === 0 || mine))
        return !(mine && ancestor.visibility === 'direct');
      next = ancestor.inReplyToId;
    }
    return true;
  }
}
