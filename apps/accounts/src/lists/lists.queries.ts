import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountPageItem,
  ContractError,
  type ListMembershipRecord,
  type ListRecord,
  type PageRequest,
  type RepliesPolicy,
} from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNT_COLUMNS, type AccountRow, SHOWN_ACCOUNT, toAccountRecord } from '../profiles/account-row';
import { LIST_COLUMNS, type ListRow, toListRecord } from './list-row';

/** Reads of lists: the owner's views, and what the timelines service asks when it fans out. */
@Injectable()
export class ListsQueries {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async lists(viewerId: string): Promise<ListRecord[]> {
    const rows: ListRow[] = await this.db.query(
      `SELECT ${LIST_COLUMNS} FROM accounts.lists l WHERE l.account_id = $1 ORDER BY l.id`,
      [viewerId],
    );
    return rows.map(toListRecord);
  }

  /** One of the viewer's lists; someone else's is `not_found`. */
  async one(viewerId: string, listId: string): Promise<ListRecord> {
    const [row]: ListRow[] = await this.db.query(
      `SELECT ${LIST_COLUMNS} FROM accounts.lists l WHERE l.id = $1 AND l.account_id = $2`,
      [listId, viewerId],
    );
    if (!row) throw new ContractError('not_found', 'Record not found');
    return toListRecord(row);
  }

  /** The members of one of the viewer's lists, suspended ones left out; `page` null: all. */
  async members(viewerId: string, listId: string, page: PageRequest | null): Promise<AccountPageItem[]> {
    await this.one(viewerId, listId);
    const p = page
      ? pageSql('x.id', page, [listId])
      : { where: '', order: 'x.id DESC', limit: 'ALL', params: [listId], ascending: false };
    const rows: (AccountRow & { cursor: string })[] = await this.db.query(
      `SELECT x.id::text AS cursor, ${ACCOUNT_COLUMNS}
         FROM accounts.list_accounts x JOIN accounts.accounts a ON a.id = x.account_id
        WHERE x.list_id = $1 AND a.suspended_at IS NULL${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const ordered = p.ascending ? rows.reverse() : rows;
    return ordered.map((row) => ({ cursor: row.cursor, account: toAccountRecord(row) }));
  }

  /** The viewer's lists holding an account: an unknown account is `not_found`, a suspended one in none. */
  async withMember(viewerId: string, accountId: string): Promise<ListRecord[]> {
    const [account]: { suspended: boolean }[] = await this.db.query(
      `SELECT a.suspended_at IS NOT NULL AS suspended FROM accounts.accounts a WHERE a.id = $1 AND ${SHOWN_ACCOUNT}`,
      [accountId],
    );
    if (!account) throw new ContractError('not_found', 'Record not found');
    if (account.suspended) return [];
    const rows: ListRow[] = await this.db.query(
      `SELECT ${LIST_COLUMNS} FROM accounts.lists l JOIN accounts.list_accounts la ON la.list_id = l.id
        WHERE l.account_id = $1 AND la.account_id = $2 ORDER BY l.id`,
      [viewerId, accountId],
    );
    return rows.map(toListRecord);
  }

  /** The lists that hold an author, owned by accounts not suspended, by membership row after `after`. */
  async memberships(
    accountId: string,
    replyTargetId: string | null,
    after: string | null,
    limit: number,
  ): Promise<ListMembershipRecord[]> {
    const rows: {
      cursor: string;
      list_id: string;
      owner_id: string;
      replies_policy: RepliesPolicy;
      exclusive: boolean;
      followed: boolean;
      listed: boolean;
    }[] = await this.db.query(
      `SELECT la.id::text AS cursor, l.id::text AS list_id, l.account_id::text AS owner_id, l.replies_policy, l.exclusive,
              ($2::bigint IS NOT NULL AND EXISTS (SELECT 1 FROM accounts.follows f
                 WHERE f.account_id = l.account_id AND f.target_account_id = $2)) AS followed,
              ($2::bigint IS NOT NULL AND EXISTS (SELECT 1 FROM accounts.list_accounts t
                 WHERE t.list_id = l.id AND t.account_id = $2)) AS listed
         FROM accounts.list_accounts la
         JOIN accounts.lists l ON l.id = la.list_id
         JOIN accounts.accounts o ON o.id = l.account_id
        WHERE la.account_id = $1 AND o.suspended_at IS NULL AND ($3::bigint IS NULL OR la.id > $3)
        ORDER BY la.id LIMIT $4`,
      [accountId, replyTargetId, after, limit],
    );
    return rows.map((row) => ({
      cursor: row.cursor,
      listId: row.list_id,
      ownerId: row.owner_id,
      repliesPolicy: row.replies_policy,
      exclusive: row.exclusive,
      ownerFollowsReplyTarget: row.followed,
      replyTargetListed: row.listed,
    }));
  }

  /** Of `ownerIds`, those with the author in one of their exclusive lists. */
  async exclusiveOwners(accountId: string, ownerIds: readonly string[]): Promise<string[]> {
    if (!ownerIds.length) return [];
    const rows: { owner_id: string }[] = await this.db.query(
      `SELECT DISTINCT l.account_id::text AS owner_id
         FROM accounts.lists l JOIN accounts.list_accounts la ON la.list_id = l.id
        WHERE la.account_id = $1 AND l.exclusive AND l.account_id = ANY($2::bigint[])`,
      [accountId, ownerIds],
    );
    return rows.map((row) => row.owner_id);
  }

  /** The list (null when it is gone) and, of `accountIds`, those its owner follows and those it holds. */
  async replyTargets(
    listId: string,
    accountIds: readonly string[],
  ): Promise<{ list: ListRecord | null; followed: string[]; listed: string[] }> {
    const [list]: ListRow[] = await this.db.query(
      `SELECT ${LIST_COLUMNS} FROM accounts.lists l WHERE l.id = $1`,
      [listId],
    );
    if (!list || !accountIds.length)
      return { list: list ? toListRecord(list) : null, followed: [], listed: [] };
    const rows: { account_id: string; followed: boolean; listed: boolean }[] = await this.db.query(
      `SELECT t.id::text AS account_id,
              EXISTS (SELECT 1 FROM accounts.follows f WHERE f.account_id = $2 AND f.target_account_id = t.id) AS followed,
              EXISTS (SELECT 1 FROM accounts.list_accounts la WHERE la.list_id = $1 AND la.account_id = t.id) AS listed
         FROM unnest($3::bigint[]) AS t(id)`,
      [listId, list.account_id, accountIds],
    );
    return {
      list: toListRecord(list),
      followed: rows.filter((row) => row.followed).map((row) => row.account_id),
      listed: rows.filter((row) => row.listed).map((row) => row.account_id),
    };
  }
}
