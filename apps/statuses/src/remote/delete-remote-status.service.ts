import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { DeleteStatus } from '../statuses/delete-status.service';

/**
 * A remote author's Delete of a status, as Mastodon's Activity::Delete: the status goes as a local
 * one does, and its uri is kept as a tombstone in the same transaction, also when the status never
 * arrived (a Delete before its Create), so a later Create of it is refused. A uri stored for
 * another author is left alone and not tombstoned.
 */
@Injectable()
export class DeleteRemoteStatus {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    private readonly deleteStatus: DeleteStatus,
  ) {}

  async execute(uri: string, accountId: string): Promise<{ deleted: boolean }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [uri]);
      const [stored]: { id: string; account_id: string; deleted_at: Date | null }[] = await tx.query(
        `SELECT id, account_id, deleted_at FROM statuses.statuses WHERE uri = $1 FOR UPDATE`,
        [uri],
      );
      if (stored && stored.account_id !== accountId) return { deleted: false };
      await tx.query(
        `INSERT INTO statuses.status_tombstones (uri, account_id) VALUES ($1, $2) ON CONFLICT (uri) DO NOTHING`,
        [uri, accountId],
      );
      if (!stored || stored.deleted_at) return { deleted: false };
      await this.deleteStatus.deleteIn(tx, accountId, stored.id);
      return { deleted: true };
    });
  }
}
