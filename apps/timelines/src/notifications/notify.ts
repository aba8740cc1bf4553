import { Inject, Injectable } from '@nestjs/common';
import { contracts, type NotificationType, type StatusRecord } from '@mammut/contracts';
import { BUS, type Bus, consumersOf, type EventConsumers, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { TIMELINES_DB, TIMELINES_SCHEMA } from '../database/timelines-database';
import { eachPage } from '../each-page';
import { NotificationsStore } from './notifications.store';
import { StreamPublisher } from '../streaming/stream-publisher';
import { policyAction } from './notification-filter';
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
 * poll notification to a closed poll's author and voters, a sign-up for the staff who may manage
 * users. Nobody else is
 * notified by themselves, nor by an account they block or mute (notifications included) or whose
 * domain they block (unless they follow them), nor about a status of a thread they muted (asked
 * once per status, of everyone it would notify). Then the
 * account's notification policy (Mastodon 4.3) accepts, filters (kept out of the list and the
 * streams, a mention gathered into its sender's request) or drops what remains. A deleted status
 * takes its notifications along; an authorized or rejected request, its follow_request
 * notification.
 */
@Injectable()
export class Notify {
  private consumers?: EventConsumers;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TIMELINES_DB) private readonly db: DataSource,
    private readonly store: NotificationsStore,
    private readonly policies: NotificationPoliciesRepository,
    private readonly streams: StreamPublisher,
  ) {}

  async start(): Promise<void> {
    this.consumers = consumersOf(this.runtime);
    if (!this.consumers) return;
    const common = { schema: TIMELINES_SCHEMA, dataSource: this.db };
    await this.consumers.consume({ consumer: 'notifications-statuses', ...common }, [
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
          await this.notify(tx, accountId, status.accountId, 'mention', status.id, status);
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
    ]);
    await this.consumers.consume({ consumer: 'notifications-accounts', ...common }, [
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
    ]);
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }

  private async mentions(tx: EntityManager, status: StatusRecord): Promise<void> {
    const muted = await this.mutedThread(status.id, status.mentions);
    for (const accountId of status.mentions) {
      if (muted.has(accountId)) continue;
      await this.notify(tx, accountId, status.accountId, 'mention', status.id, status, false);
    }
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
        await this.notify(tx, accountId, status.accountId, 'status', status.id, undefined, false);
      }
      if (followers.length < PAGE) return;
      after = followers[followers.length - 1].cursor;
    }
  }

  /**
   * `admin.sign_up` from a new local user to every local user who may manage users, as Mastodon's
   * BootstrapTimelineService tells its staff once the user is confirmed and approved.
   */
  private async signUp(tx: EntityManager, accountId: string): Promise<void> {
    for (let after: string | null = null; ; ) {
      const { accountIds }: { accountIds: string[] } = await this.bus.request(
        contracts.accounts.admin.listUserManagers,
        { after, limit: PAGE },
      );
      for (const managerId of accountIds) await this.notify(tx, managerId, accountId, 'admin.sign_up', null);
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

  private async notify(
    tx: EntityManager,
    accountId: string,
    fromAccountId: string,
    type: NotificationType,
    statusId: string | null,
    mentioning?: StatusRecord,
    askMutes = true,
  ): Promise<void> {
    // Only the author of a poll hears of something they did (that their poll closed).
    const own = accountId === fromAccountId;
    if (own && type !== 'poll') return;
    if (askMutes && statusId !== null && (await this.mutedThread(statusId, [accountId])).has(accountId))
      return;
    // Both accounts in one request: the one notified must be local, the sender's age and limits count.
    const [{ accounts }, { relationships }] = await Promise.all([
      this.bus.request(contracts.accounts.profiles.getAccounts, { ids: [accountId, fromAccountId] }),
      own
        ? { relationships: [] }
        : this.bus.request(contracts.accounts.relationships.getRelationships, {
            viewerId: accountId,
            ids: [fromAccountId],
            withSuspended: false,
          }),
    ]);
    const recipient = accounts.find((account) => account.id === accountId);
    const sender = accounts.find((account) => account.id === fromAccountId);
    if (!recipient || recipient.domain !== null || recipient.suspended || !sender) return;
    if (own) {
      const added = await this.store.add(tx, { accountId, fromAccountId, type, statusId, filtered: false });
      if (added) this.streams.toUsers([accountId], { event: 'notification', notification: added });
      return;
    }
    const facts = relationships[0];
    if (!facts || facts.blocking || (facts.muting && facts.mutingNotifications)) return;
    // A muted author's statuses stay out of the home feed, and so does news of them (Mastodon).
    if (type === 'status' && facts.muting) return;
    if (facts.domainBlocking && !facts.following) return;
    const action = await policyAction(await this.policies.rules(accountId, tx), {
      type,
      following: facts.following,
      followedBy: facts.followedBy,
      senderCreatedAt: new Date(sender.createdAt),
      senderLimited: sender.limited,
      privateMentionNotInResponse: () => this.privateMentionNotInResponse(accountId, mentioning),
      accepted: await this.policies.accepted(tx, accountId, fromAccountId),
      now: new Date(),
    });
    if (action === 'drop') return;
    const filtered = action === 'filter';
    const added = await this.store.add(tx, { accountId, fromAccountId, type, statusId, filtered });
    if (added && !filtered) this.streams.toUsers([accountId], { event: 'notification', notification: added });
  }

  /**
   * A direct status that does not answer, somewhere up its thread (Mastodon looks 100 statuses
   * up), a direct status of the one notified that mentioned its author.
   */
  private async privateMentionNotInResponse(accountId: string, status?: StatusRecord): Promise<boolean> {
    if (!status || status.visibility !== 'direct') return false;
    if (status.inReplyToId === null) return true;
    const { ancestors } = await this.bus.request(contracts.statuses.statuses.getContext, {
      statusId: status.id,
      ancestors: 100,
      descendants: 0,
      depth: 1,
    });
    return !ancestors.some(
      (ancestor) =>
        ancestor.accountId === accountId &&
        ancestor.visibility === 'direct' &&
        ancestor.mentions.includes(status.accountId),
    );
  }
}
