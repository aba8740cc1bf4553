import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, notFound, type StatusRecord, type Visibility } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { DeleteStatus } from '../statuses/delete-status.service';
import { STATUS_COLUMNS, STATUS_FIELDS, type StatusRow, toStatusRecord } from '../statuses/status-row';

/**
 * Reblogs by remote accounts, as Mastodon's Announce handler stores them: under the Announce's id,
 * with the visibility its addressing gave, one per account and status, and only of a status
 * everyone may see (a remote account is never the author of a status it could share privately
 * here). Announced as a status (feeds, the author's notification) and withdrawn as one, like a
 * local reblog.
 */
@Injectable()
export class RemoteReblogs {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    private readonly deletes: DeleteStatus,
  ) {}

  async save(request: {
    accountId: string;
    uri: string;
    statusId: string;
    visibility: Visibility;
    published: string | null;
  }): Promise<{ reblog: StatusRecord; created: boolean }> {
    const published = request.published === null ? null : new Date(request.published);
    const createdAt = published && !Number.isNaN(published.getTime()) ? published.toISOString() : null;
    return this.db.transaction(async (tx) => {
      // The row lock orders concurrent reblogs of one status: the count moves once per reblog.
      const [shared]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
          WHERE s.id = $1 AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL FOR UPDATE`,
        [request.statusId],
      );
      if (!shared) throw notFound();
      const original = toStatusRecord(shared);
      if (original.visibility !== 'public' && original.visibility !== 'unlisted')
        throw new ContractError('unprocessable', 'Validation failed: This post cannot be boosted');
      const [existing]: (StatusRow & { deleted: boolean })[] = await tx.query(
        `SELECT ${STATUS_COLUMNS}, s.deleted_at IS NOT NULL AS deleted FROM statuses.statuses s
          WHERE s.uri = $1 OR (s.account_id = $2 AND s.reblog_of_id = $3 AND s.deleted_at IS NULL)
          ORDER BY (s.uri = $1) DESC LIMIT 1`,
        [request.uri, request.accountId, original.id],
      );
      if (existing) {
        if (
          existing.deleted ||
          existing.account_id !== request.accountId ||
          existing.reblog_of_id !== original.id
        )
          throw new ContractError('conflict', 'The uri names another status');
        return { reblog: toStatusRecord(existing), created: false };
      }
      const [inserted]: StatusRow[] = await tx.query(
        `WITH s AS (
           INSERT INTO statuses.statuses (id, uri, url, account_id, local, visibility, reblog_of_id, language, created_at)
           VALUES (statuses.timestamp_id('statuses'), $1, NULL, $2, false, $3, $4, NULL,
             LEAST(COALESCE($5::timestamptz, now()), now()))
           RETURNING *)
         SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions FROM s`,
        [request.uri, request.accountId, request.visibility, original.id, createdAt],
      );
      const [counted]: { reblogs_count: number }[] = await tx.query(
        `WITH s AS (
           UPDATE statuses.statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1 RETURNING reblogs_count)
         SELECT reblogs_count FROM s`,
        [original.id],
      );
      const reblog = toStatusRecord(inserted);
      await this.outbox.add(tx, contracts.statuses.statuses.events.statusCreated, {
        status: reblog,
        reblogged: { ...original, reblogsCount: counted.reblogs_count },
      });
      return { reblog, created: true };
    });
  }

  /** Withdraws the account's reblog named `uri`; another account's, or a status that is no reblog, stays. */
  async delete(accountId: string, uri: string): Promise<{ deleted: boolean }> {
    return this.db.transaction(async (tx) => {
      const [reblog]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
          WHERE s.uri = $1 AND s.account_id = $2 AND s.reblog_of_id IS NOT NULL AND s.deleted_at IS NULL
          FOR UPDATE`,
        [uri, accountId],
      );
      if (!reblog) return { deleted: false };
      await this.deletes.remove(tx, toStatusRecord(reblog));
      return { deleted: true };
    });
  }
}
