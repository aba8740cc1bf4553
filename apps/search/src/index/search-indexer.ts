import { Inject, Injectable } from '@nestjs/common';
import { contracts, type StatusRecord } from '@mammut/contracts';
import { type Bus, EventSubscriber, type Subscription, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { SEARCH_DB, SEARCH_SCHEMA } from '../database/search-database';
import { SearchDirectory } from '../directory/search-directory';
import { documentOf } from './status-document';
import { STATUS_INDEX, type StatusIndex } from './status-index';

const statusEvents = contracts.statuses.statuses.events;
const interactionEvents = contracts.statuses.interactions.events;
const accountEvents = contracts.accounts.admin.events;
const followEvents = contracts.accounts.relationships.events;

/**
 * Keeps the search index from events, local and remote statuses alike: a status is indexed when
 * created or edited and leaves when deleted; a favourite, a bookmark, a reblog or a vote in its
 * poll makes its account a searcher of the status (and taking it back, no longer); account events read the account again
 * (indexable, suspended, moved, names), and a deleted account is marked so. Every handler writes
 * what is true after the event (upserts, deletes), so an event applied twice changes nothing;
 * the consumers also skip events already handled.
 */
@Injectable()
export class SearchIndexer extends EventSubscriber {
  private readonly bus: Bus;

  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(SEARCH_DB) db: DataSource,
    @Inject(STATUS_INDEX) private readonly index: StatusIndex,
    private readonly directory: SearchDirectory,
  ) {
    super(runtime, { schema: SEARCH_SCHEMA, dataSource: db });
    this.bus = runtime.bus;
  }

  protected subscriptions(): Subscription[] {
    const refresh = async (p: { accountId: string }, tx: EntityManager): Promise<void> => {
      await this.directory.refresh(tx, [p.accountId]);
      await this.index.authorChanged(tx, p.accountId);
    };
    return [
      {
        consumer: 'search-statuses',
        concurrency: 4,
        handlers: [
          on(statusEvents.statusCreated, ({ status }, tx) => this.indexStatus(tx, status)),
          on(statusEvents.statusUpdated, ({ status }, tx) => this.indexStatus(tx, status)),
          on(statusEvents.statusDeleted, async ({ statusId, accountId, reblogOfId }, tx) => {
            if (reblogOfId !== null) await this.index.removeSearcher(tx, reblogOfId, accountId, 'reblog');
            await this.index.remove(tx, statusId);
          }),
          on(interactionEvents.favouriteCreated, ({ statusId, accountId }, tx) =>
            this.index.addSearcher(tx, statusId, accountId, 'favourite'),
          ),
          on(interactionEvents.favouriteRemoved, ({ statusId, accountId }, tx) =>
            this.index.removeSearcher(tx, statusId, accountId, 'favourite'),
          ),
          on(interactionEvents.bookmarkCreated, ({ statusId, accountId }, tx) =>
            this.index.addSearcher(tx, statusId, accountId, 'bookmark'),
          ),
          on(interactionEvents.bookmarkRemoved, ({ statusId, accountId }, tx) =>
            this.index.removeSearcher(tx, statusId, accountId, 'bookmark'),
          ),
          // A vote cannot be taken back.
          on(contracts.statuses.polls.events.pollVoted, ({ statusId, accountId }, tx) =>
            this.index.addSearcher(tx, statusId, accountId, 'vote'),
          ),
        ],
      },
      {
        consumer: 'search-accounts',
        concurrency: 4,
        handlers: [
          on(accountEvents.accountCreated, refresh),
          on(accountEvents.accountUpdated, refresh),
          on(accountEvents.accountSuspended, refresh),
          on(accountEvents.accountUnsuspended, refresh),
          on(accountEvents.accountMoved, refresh),
          on(accountEvents.accountDeleted, async ({ accountId }, tx) => {
            await this.directory.markDeleted(tx, accountId);
            await this.index.authorChanged(tx, accountId);
          }),
          on(followEvents.followCreated, ({ accountId, targetAccountId }, tx) =>
            this.directory.follow(tx, accountId, targetAccountId, true),
          ),
          on(followEvents.followRemoved, ({ accountId, targetAccountId }, tx) =>
            this.directory.follow(tx, accountId, targetAccountId, false),
          ),
        ],
      },
    ];
  }

  /** A status into the index (a reblog: its account becomes a searcher of what it shares). */
  private async indexStatus(tx: EntityManager, status: StatusRecord): Promise<void> {
    if (status.reblogOfId !== null) {
      await this.index.addSearcher(tx, status.reblogOfId, status.accountId, 'reblog');
      return;
    }
    // The attachments' kinds (`has:image`, …) and alt texts, the poll's options. The services
    // answering is part of indexing: while one cannot, the event comes again.
    const [media, polls] = await Promise.all([
      status.mediaIds.length
        ? this.bus
            .request(contracts.media.attachments.list, { ids: status.mediaIds })
            .then((r) => r.attachments)
        : [],
      status.pollId !== null
        ? this.bus
            .request(contracts.statuses.polls.getPolls, { ids: [status.pollId], viewerId: null })
            .then((r) => r.polls)
        : [],
    ]);
    const document = documentOf(status, media, polls[0]?.options ?? []);
    if (!document) return;
    await this.directory.ensure(tx, status.accountId);
    await this.index.index(tx, document);
    await this.directory.useTags(tx, status.tags, status.createdAt);
  }
}
