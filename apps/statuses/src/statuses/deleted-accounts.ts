import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { EventSubscriber, type Subscription, on, type Outbox, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX, STATUSES_SCHEMA } from '../database/statuses-database';
import { DeleteStatus } from './delete-status.service';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from './status-row';

const interactionEvents = contracts.statuses.interactions.events;

/**
 * What a deleted account leaves here goes with it, as Mastodon's DeleteAccountService purges it
 * (a remote actor that deleted itself, or an operator's delete): its statuses (with their reblogs)
 * and its reblogs, each announced as deleted, and its favourites, which lower the counts they
 * raised and are announced as removed (the author's notification goes); its bookmarks and pins.
 */
@Injectable()
export class DeletedAccounts extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(STATUSES_DB) db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    private readonly deletes: DeleteStatus,
  ) {
    super(runtime, { schema: STATUSES_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'statuses-accounts',
        handlers: [
          on(contracts.accounts.admin.events.accountDeleted, ({ accountId }, tx) =>
            this.purge(tx, accountId),
          ),
        ],
      },
    ];
  }

  private async purge(tx: EntityManager, accountId: string): Promise<void> {
    await this.withdrawFavourites(tx, accountId);
    await tx.query(`DELETE FROM statuses.bookmarks WHERE account_id = $1`, [accountId]);
    await tx.query(`DELETE FROM statuses.status_pins WHERE account_id = $1`, [accountId]);
    // Its own statuses first (their reblogs go along), then what it reblogged of others.
    const own: StatusRow[] = await tx.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.account_id = $1 AND s.reblog_of_id IS NULL AND s.deleted_at IS NULL ORDER BY s.id FOR UPDATE`,
      [accountId],
    );
    for (const row of own) await this.deletes.removeWithReblogs(tx, toStatusRecord(row));
    const reblogs: StatusRow[] = await tx.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.account_id = $1 AND s.deleted_at IS NULL ORDER BY s.id FOR UPDATE`,
      [accountId],
    );
    for (const row of reblogs) await this.deletes.remove(tx, toStatusRecord(row));
  }

  private async withdrawFavourites(tx: EntityManager, accountId: string): Promise<void> {
    const removed: { status_id: string; status_account_id: string }[] = await tx.query(
      `WITH removed AS (DELETE FROM statuses.favourites WHERE account_id = $1 RETURNING status_id),
       counted AS (
         UPDATE statuses.statuses s SET favourites_count = GREATEST(s.favourites_count - 1, 0)
           FROM removed r WHERE s.id = r.status_id RETURNING s.id, s.account_id)
       SELECT id::text AS status_id, account_id::text AS status_account_id FROM counted`,
      [accountId],
    );
    for (const favourite of removed)
      await this.outbox.add(tx, interactionEvents.favouriteRemoved, {
        accountId,
        statusId: favourite.status_id,
        statusAccountId: favourite.status_account_id,
      });
  }
}
