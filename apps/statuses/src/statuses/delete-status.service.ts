import { Inject, Injectable } from '@nestjs/common';
import { contracts, notFound, type StatusRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { Conversations } from '../conversations/conversations.service';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from './status-row';

/** How a status goes. */
export interface RemoveOptions {
  /** The author deletes it to redraft: its media stay, unattached, for the new status. */
  readonly keepMedia?: boolean;
  /** Set for a reblog that goes with the status it shared: whose that status was. */
  readonly sharedAuthorId?: string;
}

/**
 * Deletes an author's own status: marked deleted (every read leaves it out from then on), its
 * parent's reply count lowered, and `status.deleted` written so feeds, streams and federation
 * drop it; a direct status leaves the conversations holding it. The reblogs of a deleted status go with it, as Mastodon removes them; a deleted reblog
 * lowers the reblog count of the status it shared. Someone else's status, or one already gone, is
 * 404, as Mastodon answers.
 */
@Injectable()
export class DeleteStatus {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    private readonly conversations: Conversations,
  ) {}

  async execute(accountId: string, statusId: string, options: RemoveOptions = {}): Promise<StatusRecord> {
    return this.db.transaction((tx) => this.deleteIn(tx, accountId, statusId, options));
  }

  /** The same inside the caller's transaction (a remote Delete records its tombstone with it). */
  async deleteIn(
    tx: EntityManager,
    accountId: string,
    statusId: string,
    options: RemoveOptions = {},
  ): Promise<StatusRecord> {
    const [row]: StatusRow[] = await tx.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.id = $1 AND s.account_id = $2 AND s.deleted_at IS NULL
        FOR UPDATE`,
      [statusId, accountId],
    );
    if (!row) throw notFound();
    const status = toStatusRecord(row);
    await this.removeWithReblogs(tx, status, options);
    return status;
  }

  /** Removes a status (not a reblog) and its reblogs, each announced so that every feed holding one drops it. */
  async removeWithReblogs(
    tx: EntityManager,
    status: StatusRecord,
    options: RemoveOptions = {},
  ): Promise<void> {
    await this.remove(tx, status, options);
    const reblogs: StatusRow[] = await tx.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.reblog_of_id = $1 AND s.deleted_at IS NULL FOR UPDATE`,
      [status.id],
    );
    for (const reblog of reblogs)
      await this.remove(tx, toStatusRecord(reblog), { sharedAuthorId: status.accountId });
  }

  /**
   * Marks one status deleted, moves the counters it counted in, and announces it. A reblog's
   * counter is left alone when the status it shared goes too (`sharedAuthorId` given).
   */
  async remove(tx: EntityManager, status: StatusRecord, options: RemoveOptions = {}): Promise<void> {
    const { sharedAuthorId } = options;
    await tx.query(`UPDATE statuses.statuses SET deleted_at = now(), updated_at = now() WHERE id = $1`, [
      status.id,
    ]);
    await this.conversations.leave(tx, status);
    if (status.inReplyToId) {
      await tx.query(
        `UPDATE statuses.statuses SET replies_count = replies_count - 1 WHERE id = $1 AND replies_count > 0`,
        [status.inReplyToId],
      );
    }
    let reblogOfAccountId = sharedAuthorId ?? null;
    if (status.reblogOfId && sharedAuthorId === undefined) {
      const [shared]: { account_id: string }[] = await tx.query(
        `WITH shared AS (
           UPDATE statuses.statuses SET reblogs_count = GREATEST(reblogs_count - 1, 0)
            WHERE id = $1 RETURNING account_id)
         SELECT account_id FROM shared`,
        [status.reblogOfId],
      );
      reblogOfAccountId = shared?.account_id ?? null;
    }
    await this.outbox.add(tx, contracts.statuses.statuses.events.statusDeleted, {
      statusId: status.id,
      accountId: status.accountId,
      uri: status.uri,
      visibility: status.visibility,
      inReplyToId: status.inReplyToId,
      mentions: status.mentions,
      tags: status.tags,
      local: status.local,
      reblogOfId: status.reblogOfId,
      reblogOfAccountId,
      keepMedia: options.keepMedia === true && status.local && status.reblogOfId === null,
    });
  }
}
