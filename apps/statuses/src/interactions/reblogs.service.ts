import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  notFound,
  type PageRequest,
  type StatusRecord,
  type Visibility,
} from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, type Outbox, pageSql } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { DeleteStatus } from '../statuses/delete-status.service';
import { STATUS_COLUMNS, STATUS_FIELDS, type StatusRow, toStatusRecord } from '../statuses/status-row';

/**
 * Reblogs (boosts), as Mastodon's ReblogService makes them: a status of the reblogger's own with
 * no text, sharing another. One per account and status (asking twice answers the first); a
 * reblog of a reblog shares the original; direct statuses, and private ones of others, are never
 * shared. The shared status's count moves under its row lock; the reblog is announced as a status
 * (feeds, streams, the author's notification) and withdrawn as one.
 */
@Injectable()
export class Reblogs {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly deletes: DeleteStatus,
  ) {}

  async reblog(
    accountId: string,
    statusId: string,
    requested: Visibility | null,
  ): Promise<{ reblog: StatusRecord; status: StatusRecord }> {
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [accountId],
    });
    const author = accounts[0];
    if (!author || author.domain !== null) throw notFound();
    return this.db.transaction(async (tx) => {
      let [shared]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = $1 AND s.deleted_at IS NULL`,
        [statusId],
      );
      if (shared?.reblog_of_id) {
        [shared] = await tx.query(
          `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = $1 AND s.deleted_at IS NULL`,
          [shared.reblog_of_id],
        );
      }
      if (!shared) throw notFound();
      // The row lock orders concurrent reblogs of one status: the count moves once per reblog.
      await tx.query(`SELECT 1 FROM statuses.statuses WHERE id = $1 FOR UPDATE`, [shared.id]);
      const original = toStatusRecord(shared);
      if (
        original.visibility === 'direct' ||
        (original.visibility === 'private' && original.accountId !== accountId)
      )
        throw new ContractError('unprocessable', 'Validation failed: This post cannot be boosted');
      const [existing]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
          WHERE s.account_id = $1 AND s.reblog_of_id = $2 AND s.deleted_at IS NULL`,
        [accountId, original.id],
      );
      if (existing) return { reblog: toStatusRecord(existing), status: original };
      // A private status is shared with its own audience; others as asked.
      const visibility = original.visibility === 'private' ? 'private' : (requested ?? 'public');
      const [inserted]: StatusRow[] = await tx.query(
        `WITH new_id AS (SELECT statuses.timestamp_id('statuses') AS id),
         s AS (
           INSERT INTO statuses.statuses (id, uri, url, account_id, local, visibility, reblog_of_id, language)
           SELECT n.id, $1 || '/users/' || $2 || '/statuses/' || n.id || '/activity',
             $1 || '/users/' || $2 || '/statuses/' || n.id || '/activity', $3, true, $4, $5, NULL
             FROM new_id n
           RETURNING *)
         SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions FROM s`,
        [this.config.publicOrigin, author.username, accountId, visibility, original.id],
      );
      const [counted]: StatusRow[] = await tx.query(
        `WITH s AS (
           UPDATE statuses.statuses SET reblogs_count = reblogs_count + 1 WHERE id = $1 RETURNING *)
         SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions FROM s`,
        [original.id],
      );
      const reblog = toStatusRecord(inserted);
      const status = { ...original, reblogsCount: counted.reblogs_count };
      await this.outbox.add(tx, contracts.statuses.statuses.events.statusCreated, {
        status: reblog,
        reblogged: status,
      });
      return { reblog, status };
    });
  }

  /** Withdraws the account's reblog of the status (or of the status a given reblog shares). */
  async unreblog(accountId: string, statusId: string): Promise<StatusRecord> {
    await this.db.transaction(async (tx) => {
      const [reblog]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
          WHERE s.account_id = $1 AND s.deleted_at IS NULL
            AND s.reblog_of_id = (SELECT coalesce(t.reblog_of_id, t.id) FROM statuses.statuses t WHERE t.id = $2)
          FOR UPDATE`,
        [accountId, statusId],
      );
      if (reblog) await this.deletes.remove(tx, toStatusRecord(reblog));
    });
    const [row]: StatusRow[] = await this.db.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.id = (SELECT coalesce(t.reblog_of_id, t.id) FROM statuses.statuses t WHERE t.id = $1)
          AND s.deleted_at IS NULL`,
      [statusId],
    );
    if (!row) throw notFound();
    return toStatusRecord(row);
  }

  /** Who reblogged a status where everyone may see it (public or unlisted reblogs), newest first. */
  async rebloggers(statusId: string, page: PageRequest): Promise<{ cursor: string; accountId: string }[]> {
    const p = pageSql('id', page, [statusId]);
    const found: { cursor: string; account_id: string }[] = await this.db.query(
      `SELECT id AS cursor, account_id FROM statuses.statuses
        WHERE reblog_of_id = $1 AND deleted_at IS NULL AND visibility IN ('public', 'unlisted')${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const rows = p.ascending ? found.reverse() : found;
    return rows.map((row) => ({ cursor: row.cursor, accountId: row.account_id }));
  }
}
