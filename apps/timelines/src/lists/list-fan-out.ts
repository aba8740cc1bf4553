import { Inject, Injectable } from '@nestjs/common';
import {
  contracts,
  type ListMembershipRecord,
  type RepliesPolicy,
  type StatusRecord,
  streamSubjects,
} from '@mammut/contracts';
import {
  BUS,
  type Bus,
  EventSubscriber,
  type Subscription,
  on,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { TIMELINES_DB, TIMELINES_SCHEMA } from '../database/timelines-database';
import { eachPage } from '../each-page';
import { StreamPublisher } from '../streaming/stream-publisher';
import { ListFeeds } from './list-feeds';

const statusEvents = contracts.statuses.statuses.events;
const listEvents = contracts.accounts.lists.events;
/** Lists asked for per bus request while fanning out. */
const MEMBERSHIPS_PER_PAGE = 1000;
/** How many of a member's statuses joining a list brings into its feed (and leaving takes out). */
const MERGE_SIZE = 200;

/** What a list's replies policy needs to know about one status. */
interface ReplyFacts {
  readonly ownerId: string;
  readonly repliesPolicy: RepliesPolicy;
  readonly ownerFollowsTarget: boolean;
  readonly targetListed: boolean;
}

/**
 * Whether a list shows a status, as Mastodon's FeedManager#filter_from_list decides: statuses
 * that reply to nobody, to their author or to the list's owner always; other replies as the
 * list's policy says (to an account the owner follows, to a member, or none).
 */
export function listAdmits(
  status: Pick<StatusRecord, 'accountId' | 'inReplyToAccountId'>,
  facts: ReplyFacts,
): boolean {
  const target = status.inReplyToAccountId;
  if (target === null || target === status.accountId || target === facts.ownerId) return true;
  switch (facts.repliesPolicy) {
    case 'followed':
      return facts.ownerFollowsTarget;
    case 'list':
      return facts.targetListed;
    case 'none':
      return false;
  }
}

/** The account a status replies to, when it is someone other than its author. */
const replyTargetOf = (status: Pick<StatusRecord, 'accountId' | 'inReplyToAccountId'>): string | null =>
  status.inReplyToAccountId !== null && status.inReplyToAccountId !== status.accountId
    ? status.inReplyToAccountId
    : null;

/**
 * Fan-out on write into list feeds, as Mastodon's FanOutOnWriteService#deliver_to_lists: a new
 * status (never a direct one) goes to the feed of every list holding its author whose replies
 * policy admits it, and to that list's stream; a deleted one leaves them. A new member's recent
 * statuses are merged into the list's feed, a leaving member's taken out, a deleted list's feed
 * dropped. Visibility, blocks and mutes are checked again when a feed is read, as for home feeds.
 */
@Injectable()
export class ListFanOut extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(TIMELINES_DB) db: DataSource,
    private readonly feeds: ListFeeds,
    private readonly streams: StreamPublisher,
  ) {
    super(runtime, { schema: TIMELINES_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'timelines-lists-statuses',
        concurrency: 8,
        handlers: [
          on(statusEvents.statusCreated, ({ status }) => this.deliver(status)),
          on(statusEvents.statusDeleted, ({ statusId, accountId }) =>
            this.eachMembershipPage(accountId, null, async (memberships) => {
              const listIds = memberships.map((m) => m.listId);
              await this.feeds.remove(listIds, [statusId]);
              for (const listId of listIds)
                this.streams.publish(streamSubjects.list(listId), { event: 'delete', statusId });
            }),
          ),
        ],
      },
      {
        consumer: 'timelines-lists-accounts',
        concurrency: 8,
        handlers: [
          on(listEvents.listMemberAdded, ({ listId, accountId }) => this.merge(listId, accountId)),
          on(listEvents.listMemberRemoved, ({ listId, accountId }) => this.unmerge(listId, accountId)),
          on(listEvents.listDeleted, ({ listId }) => this.feeds.drop([listId])),
        ],
      },
    ];
  }

  private async deliver(status: StatusRecord): Promise<void> {
    if (status.visibility === 'direct') return;
    const message = { event: 'update' as const, statusId: status.id };
    await this.eachMembershipPage(status.accountId, replyTargetOf(status), async (memberships) => {
      const listIds = memberships
        .filter((m) =>
          listAdmits(status, {
            ownerId: m.ownerId,
            repliesPolicy: m.repliesPolicy,
            ownerFollowsTarget: m.ownerFollowsReplyTarget,
            targetListed: m.replyTargetListed,
          }),
        )
        .map((m) => m.listId);
      await this.feeds.add(listIds, [status.id]);
      for (const listId of listIds) this.streams.publish(streamSubjects.list(listId), message);
    });
  }

  private eachMembershipPage(
    accountId: string,
    replyTargetId: string | null,
    apply: (memberships: ListMembershipRecord[]) => Promise<void>,
  ): Promise<void> {
    return eachPage<ListMembershipRecord>(
      {
        limit: MEMBERSHIPS_PER_PAGE,
        fetch: async (after) =>
          (
            await this.bus.request(contracts.accounts.lists.listMemberships, {
              accountId,
              replyTargetId,
              after,
              limit: MEMBERSHIPS_PER_PAGE,
            })
          ).memberships,
        cursorOf: (membership) => membership.cursor,
      },
      apply,
    );
  }

  /** A new member's recent statuses, those the list's replies policy admits. */
  private async merge(listId: string, accountId: string): Promise<void> {
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId,
      visibilities: ['public', 'unlisted', 'private'],
      mentioning: null,
      excludeReplies: false,
      tagged: null,
      page: { limit: MERGE_SIZE },
    });
    const targets = [...new Set(statuses.flatMap((s) => replyTargetOf(s) ?? []))];
    const { list, followed, listed } = await this.bus.request(contracts.accounts.lists.getReplyTargets, {
      listId,
      accountIds: targets,
    });
    if (!list) return;
    const admitted = statuses.filter((status) => {
      const target = replyTargetOf(status);
      return listAdmits(status, {
        ownerId: list.accountId,
        repliesPolicy: list.repliesPolicy,
        ownerFollowsTarget: target !== null && followed.includes(target),
        targetListed: target !== null && listed.includes(target),
      });
    });
    await this.feeds.add(
      [listId],
      admitted.map((s) => s.id),
    );
  }

  private async unmerge(listId: string, accountId: string): Promise<void> {
    const { statuses } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId,
      visibilities: ['public', 'unlisted', 'private', 'direct'],
      mentioning: null,
      excludeReplies: false,
      tagged: null,
      page: { limit: MERGE_SIZE },
    });
    await this.feeds.remove(
      [listId],
      statuses.map((s) => s.id),
    );
  }
}
