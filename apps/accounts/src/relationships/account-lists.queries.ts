import { Inject, Injectable } from '@nestjs/common';
import { type AccountPageItem, ContractError, type MutePageItem, type PageRequest } from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNT_COLUMNS, type AccountRow, toAccountRecord } from '../profiles/account-row';

type Row = AccountRow & { cursor: string };

/** Paged account lists (followers, following, requests, blocks, mutes, endorsements), one query each. */
@Injectable()
export class AccountListsQueries {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async followers(accountId: string, viewerId: string | null, page: PageRequest): Promise<AccountPageItem[]> {
    if (!(await this.visibleTo(accountId, viewerId, true))) return [];
    return this.accounts('accounts.follows', 'account_id', 'target_account_id', accountId, viewerId, page);
  }

  async following(accountId: string, viewerId: string | null, page: PageRequest): Promise<AccountPageItem[]> {
    if (!(await this.visibleTo(accountId, viewerId, true))) return [];
    return this.accounts('accounts.follows', 'target_account_id', 'account_id', accountId, viewerId, page);
  }

  /** Local followers of an account, by follow row, after `after`. */
  async localFollowers(
    accountId: string,
    after: string | null,
    limit: number,
  ): Promise<{ cursor: string; accountId: string; reblogs: boolean }[]> {
    const rows: { cursor: string; account_id: string; show_reblogs: boolean }[] = await this.db.query(
      `SELECT f.id AS cursor, f.account_id, f.show_reblogs
         FROM accounts.follows f JOIN accounts.accounts a ON a.id = f.account_id
        WHERE f.target_account_id = $1 AND a.domain IS NULL AND a.suspended_at IS NULL
          AND ($2::bigint IS NULL OR f.id > $2::bigint)
        ORDER BY f.id
        LIMIT $3`,
      [accountId, after, limit],
    );
    return rows.map((row) => ({ cursor: row.cursor, accountId: row.account_id, reblogs: row.show_reblogs }));
  }

  /** Local followers of an account who asked to be notified of its statuses, by follow row, after `after`. */
  async notifiedFollowers(
    accountId: string,
    after: string | null,
    limit: number,
  ): Promise<{ cursor: string; accountId: string }[]> {
    const rows: { cursor: string; account_id: string }[] = await this.db.query(
      `SELECT f.id AS cursor, f.account_id
         FROM accounts.follows f JOIN accounts.accounts a ON a.id = f.account_id
        WHERE f.target_account_id = $1 AND f.notify AND a.domain IS NULL AND a.suspended_at IS NULL
          AND ($2::bigint IS NULL OR f.id > $2::bigint)
        ORDER BY f.id
        LIMIT $3`,
      [accountId, after, limit],
    );
    return rows.map((row) => ({ cursor: row.cursor, accountId: row.account_id }));
  }

  /**
   * The accounts an account follows (suspended ones left out), by account id after `after`, each
   * with whether the follower takes its reblogs and keeps it in an exclusive list.
   */
  async followedAccounts(
    accountId: string,
    after: string | null,
    limit: number,
  ): Promise<{ accountId: string; reblogs: boolean; exclusive: boolean }[]> {
    const rows: { target_account_id: string; show_reblogs: boolean; exclusive: boolean }[] =
      await this.db.query(
        `SELECT f.target_account_id, f.show_reblogs,
                EXISTS (SELECT 1 FROM accounts.lists l JOIN accounts.list_accounts la ON la.list_id = l.id
                         WHERE l.account_id = f.account_id AND l.exclusive
                           AND la.account_id = f.target_account_id) AS exclusive
           FROM accounts.follows f JOIN accounts.accounts a ON a.id = f.target_account_id
          WHERE f.account_id = $1 AND a.suspended_at IS NULL
            AND ($2::bigint IS NULL OR f.target_account_id > $2::bigint)
          ORDER BY f.target_account_id
          LIMIT $3`,
        [accountId, after, limit],
      );
    return rows.map((row) => ({
      accountId: row.target_account_id,
      reblogs: row.show_reblogs,
      exclusive: row.exclusive,
    }));
  }

  /** Endorsements are a showcase: hidden collections do not hide them, a block does. */
  async endorsements(
    accountId: string,
    viewerId: string | null,
    page: PageRequest,
  ): Promise<AccountPageItem[]> {
    if (!(await this.visibleTo(accountId, viewerId, false))) return [];
    return this.accounts(
      'accounts.account_endorsements',
      'target_account_id',
      'account_id',
      accountId,
      viewerId,
      page,
    );
  }

  async followRequests(viewerId: string, page: PageRequest): Promise<AccountPageItem[]> {
    return this.accounts('accounts.follow_requests', 'account_id', 'target_account_id', viewerId, null, page);
  }

  async blocks(viewerId: string, page: PageRequest): Promise<AccountPageItem[]> {
    return this.accounts('accounts.blocks', 'target_account_id', 'account_id', viewerId, null, page);
  }

  async mutes(viewerId: string, page: PageRequest): Promise<MutePageItem[]> {
    const p = pageSql('x.id', page, [viewerId]);
    const rows: (Row & { mute_expires_at: Date | null })[] = await this.db.query(
      `SELECT x.id::text AS cursor, x.expires_at AS mute_expires_at, ${ACCOUNT_COLUMNS}
         FROM accounts.mutes x JOIN accounts.accounts a ON a.id = x.target_account_id
        WHERE x.account_id = $1 AND (x.expires_at IS NULL OR x.expires_at > now())${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const ordered = p.ascending ? rows.reverse() : rows;
    return ordered.map((row) => ({
      cursor: row.cursor,
      account: toAccountRecord(row),
      muteExpiresAt: row.mute_expires_at?.toISOString() ?? null,
    }));
  }

  async domainBlocks(viewerId: string, page: PageRequest): Promise<{ cursor: string; domain: string }[]> {
    const p = pageSql('x.id', page, [viewerId]);
    const rows: { cursor: string; domain: string }[] = await this.db.query(
      `SELECT x.id::text AS cursor, x.domain FROM accounts.account_domain_blocks x
        WHERE x.account_id = $1${p.where} ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return p.ascending ? rows.reverse() : rows;
  }

  /**
   * Whether the owner's list may be shown to the viewer: unknown or suspended owners are
   * `not_found`; an owner who blocks the viewer, or hides collections from others, shows nothing.
   */
  private async visibleTo(
    accountId: string,
    viewerId: string | null,
    collections: boolean,
  ): Promise<boolean> {
    const rows: { hide_collections: boolean | null; blocks_viewer: boolean }[] = await this.db.query(
      `SELECT a.hide_collections,
              EXISTS (SELECT 1 FROM accounts.blocks b WHERE b.account_id = a.id AND b.target_account_id = $2) AS blocks_viewer
         FROM accounts.accounts a WHERE a.id = $1 AND a.suspended_at IS NULL`,
      [accountId, viewerId],
    );
    const owner = rows[0];
    if (!owner) throw new ContractError('not_found', 'Record not found');
    if (viewerId === accountId) return true;
    if (owner.blocks_viewer) return false;
    return !(collections && owner.hide_collections === true);
  }

  /**
   * Accounts in `listed` column of `table` rows whose `owner` column is `ownerId`. A viewer other
   * than the owner does not see accounts it blocks, mutes or is blocked by, as in Mastodon.
   */
  private async accounts(
    table: string,
    listed: string,
    owner: string,
    ownerId: string,
    viewerId: string | null,
    page: PageRequest,
  ): Promise<AccountPageItem[]> {
    const excludeFor = viewerId && viewerId !== ownerId ? viewerId : null;
    const p = pageSql('x.id', page, [ownerId, excludeFor]);
    const rows: Row[] = await this.db.query(
      `SELECT x.id::text AS cursor, ${ACCOUNT_COLUMNS}
         FROM ${table} x JOIN accounts.accounts a ON a.id = x.${listed}
        WHERE x.${owner} = $1 AND a.suspended_at IS NULL
          AND ($2::bigint IS NULL OR NOT EXISTS (
            SELECT 1 FROM accounts.blocks b
             WHERE (b.account_id = $2 AND b.target_account_id = a.id) OR (b.account_id = a.id AND b.target_account_id = $2)
            UNION ALL
            SELECT 1 FROM accounts.mutes m
             WHERE m.account_id = $2 AND m.target_account_id = a.id AND (m.expires_at IS NULL OR m.expires_at > now())))
          ${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const ordered = p.ascending ? rows.reverse() : rows;
    return ordered.map((row) => ({ cursor: row.cursor, account: toAccountRecord(row) }));
  }
}
