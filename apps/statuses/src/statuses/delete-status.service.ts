import { Inject, Injectable } from '@nestjs/common';
import { contracts, notFound, type StatusRecord } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from './status-row';

/**
 * Deletes an author's own status: marked deleted (every read leaves it out from then on), its
 * parent's reply count lowered, and `status.deleted` written so feeds, streams and federation
 * drop it. Someone else's status, or one already gone, is 404, as Mastodon answers.
 */
@Injectable()
export class DeleteStatus {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(accountId: string, statusId: string): Promise<StatusRecord> {
    return this.db.transaction(async (tx) => {
      const [row]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
          WHERE s.id = $1 AND s.account_id = $2 AND s.deleted_at IS NULL
          FOR UPDATE`,
        [statusId, accountId],
      );
      if (!row) throw notFound();
      await tx.query(`UPDATE statuses.statuses SET deleted_at = now(), updated_at = now() WHERE id = $1`, [
        statusId,
      ]);
      if (row.in_reply_to_id) {
        await tx.query(
          `UPDATE statuses.statuses SET replies_count = replies_count - 1 WHERE id = $1 AND replies_count > 0`,
          [row.in_reply_to_id],
        );
      }
      const status = toStatusRecord(row);
      await this.outbox.add(tx, contracts.statuses.statuses.events.statusDeleted, {
        statusId: status.id,
        accountId: status.accountId,
        uri: status.uri,
        visibility: status.visibility,
        inReplyToId: status.inReplyToId,
        mentions: status.mentions,
      });
      return status;
    });
  }
}
