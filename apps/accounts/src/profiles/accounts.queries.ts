import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountRecord,
  ContractError,
  type CredentialRecord,
  type Role,
  type Visibility,
} from '@mammut/contracts';
import { queryPrepared, type ReadEntry, ReadThrough } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { AccountsCache, CredentialsCache } from '../caches/read-caches';
import { ACCOUNTS_DB } from '../database/accounts-database';
import {
  ACCOUNT_COLUMNS,
  ACCOUNT_JSON_COLUMNS,
  type AccountRow,
  SHOWN_ACCOUNT,
  toAccountRecord,
} from './account-row';
import { ACCT_JOIN, acctLookups, acctParams, inAcctOrder } from './acct-lookup';

export interface UserSettings {
  privacy?: Visibility;
  sensitive?: boolean;
  language?: string | null;
  expandMedia?: 'default' | 'show_all' | 'hide_all';
  expandSpoilers?: boolean;
}

/** Reads of accounts for API views: one query per batch. */
@Injectable()
export class AccountsQueries {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly cache: CredentialsCache,
    private readonly accountsCache: AccountsCache,
  ) {
    this.accounts = new ReadThrough(this.accountsCache, (ids) => this.readAccounts(ids));
  }

  /**
   * Unknown accounts, and local ones Mastodon does not show yet (unconfirmed, unapproved), are
   * missing. Kept in process between changes (AccountsCache): a page of statuses by accounts read
   * before costs no query.
   */
  async byIds(ids: string[]): Promise<{ accounts: AccountRecord[]; missing: string[] }> {
    if (!ids.length) return { accounts: [], missing: [] };
    const unique = [...new Set(ids)];
    const byId = await this.accounts.getMany(unique);
    return {
      accounts: unique.flatMap((id) => byId.get(id) ?? []),
      missing: unique.filter((id) => !byId.has(id)),
    };
  }

  /** Accounts by id through their cache; misses read together (ReadThrough). */
  private readonly accounts: ReadThrough<AccountRecord>;

  /** `user` or `user@domain`; the local domain counts as local. Hidden local accounts are missing, as in byIds. */
  async byAccts(
    accts: string[],
    localDomain: string,
  ): Promise<{ accounts: AccountRecord[]; missing: string[] }> {
    const lookups = acctLookups(accts, localDomain);
    if (!lookups.length) return { accounts: [], missing: [] };
    const rows: AccountRow[] = await this.db.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts.accounts a ${ACCT_JOIN} WHERE ${SHOWN_ACCOUNT}`,
      acctParams(lookups),
    );
    const { found, missing } = inAcctOrder(lookups, rows, toAccountRecord);
    return { accounts: found, missing };
  }

  /** Kept in process between changes (CredentialsCache): verify_credentials costs no query. */
  async credentials(accountId: string): Promise<CredentialRecord> {
    const cached = this.cache.get(accountId);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    const credentials = await this.readCredentials(accountId);
    this.cache.put(accountId, credentials, [`c:${accountId}`, `a:${accountId}`], ticket);
    return credentials;
  }

  private async readCredentials(accountId: string): Promise<CredentialRecord> {
    // One JSON value instead of 31 columns: pg's per-column parsing was most of this read's cost.
    const rows = await queryPrepared<{
      row: AccountRow & {
        user_id: string;
        email: string;
        role: Role;
        settings: UserSettings;
        follow_requests_count: number;
      };
    }>(
      this.db,
      'accounts.credentials',
      `SELECT to_json(c) AS row FROM (
         SELECT ${ACCOUNT_JSON_COLUMNS}, u.id::text AS user_id, u.email, u.role, u.settings,
             (SELECT count(*) FROM accounts.follow_requests r WHERE r.target_account_id = a.id) AS follow_requests_count
           FROM accounts.accounts a JOIN accounts.users u ON u.account_id = a.id WHERE a.id = $1) c`,
      [accountId],
    );
    const row = rows[0]?.row;
    if (!row) throw new ContractError('not_found', 'Record not found');
    return {
      account: toAccountRecord(row),
      userId: row.user_id,
      email: row.email,
      role: row.role,
      privacy: row.settings.privacy ?? 'public',
      sensitive: row.settings.sensitive ?? false,
      language: row.settings.language ?? null,
      followRequestsCount: Number(row.follow_requests_count),
      expandMedia: row.settings.expandMedia ?? 'default',
      expandSpoilers: row.settings.expandSpoilers ?? false,
    };
  }

  private async readAccounts(ids: string[]): Promise<ReadEntry<AccountRecord>[]> {
    const rows: AccountRow[] = await this.db.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM accounts.accounts a WHERE a.id = ANY($1::bigint[]) AND ${SHOWN_ACCOUNT}`,
      [ids],
    );
    return rows.map((row) => {
      const account = toAccountRecord(row);
      return { key: account.id, value: account, tags: [`c:${account.id}`, `a:${account.id}`] };
    });
  }
}
