import { Inject, Injectable } from '@nestjs/common';
import type { ActorRecord } from '@mammut/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNT_COLUMNS, ACTOR_COLUMNS, type ActorRow, toActorRecord } from '../profiles/account-row';
import { ACCT_JOIN, acctLookups, acctParams, inAcctOrder } from '../profiles/acct-lookup';

type Found<K> = { actors: ActorRecord[]; missing: K[] };

/** The actor id a key id or fragment URL names: Mastodon drops the fragment to find the account. */
export const withoutFragment = (uri: string): string => uri.split('#')[0];

/**
 * Accounts with their federation columns, for federation: one query per batch, every account
 * (local or remote, pending users included: what federation shows of them is its own rule).
 */
@Injectable()
export class ActorsQueries {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async byIds(ids: string[], tx?: EntityManager): Promise<Found<string>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return { actors: [], missing: [] };
    const rows: ActorRow[] = await (tx ?? this.db).query(
      `SELECT ${ACCOUNT_COLUMNS}, ${ACTOR_COLUMNS} FROM accounts.accounts a WHERE a.id = ANY($1::bigint[])`,
      [unique],
    );
    const byId = new Map(rows.map((row) => [row.id, toActorRecord(row)]));
    return {
      actors: unique.flatMap((id) => byId.get(id) ?? []),
      missing: unique.filter((id) => !byId.has(id)),
    };
  }

  async byUris(uris: string[]): Promise<Found<string>> {
    const unique = [...new Set(uris)];
    if (!unique.length) return { actors: [], missing: [] };
    const rows: ActorRow[] = await this.db.query(
      `SELECT ${ACCOUNT_COLUMNS}, ${ACTOR_COLUMNS} FROM accounts.accounts a WHERE a.uri = ANY($1::text[])`,
      [unique.map(withoutFragment)],
    );
    const byUri = new Map(rows.map((row) => [row.uri, toActorRecord(row)]));
    return {
      actors: unique.flatMap((uri) => byUri.get(withoutFragment(uri)) ?? []),
      missing: unique.filter((uri) => !byUri.has(withoutFragment(uri))),
    };
  }

  /**
   * The inboxes of an account's remote followers, shared ones standing in for their servers'
   * accounts, once each, after `after` in text order (the page cursor is the inbox itself).
   */
  async followerInboxes(accountId: string, after: string | null, limit: number): Promise<string[]> {
    const rows: { inbox: string }[] = await this.db.query(
      `SELECT DISTINCT COALESCE(NULLIF(a.shared_inbox_url, ''), a.inbox_url) AS inbox
         FROM accounts.follows f JOIN accounts.accounts a ON a.id = f.account_id
        WHERE f.target_account_id = $1 AND a.domain IS NOT NULL AND a.suspended_at IS NULL
          AND COALESCE(NULLIF(a.shared_inbox_url, ''), a.inbox_url) > COALESCE($2::text, '')
        ORDER BY inbox
        LIMIT $3`,
      [accountId, after, limit],
    );
    return rows.map((row) => row.inbox);
  }

  /** Every remote server's inbox, shared ones standing in for their accounts, after `after`. */
  async knownInboxes(after: string | null, limit: number): Promise<string[]> {
    const rows: { inbox: string }[] = await this.db.query(
      `SELECT DISTINCT COALESCE(NULLIF(a.shared_inbox_url, ''), a.inbox_url) AS inbox
         FROM accounts.accounts a
        WHERE a.domain IS NOT NULL AND a.suspended_at IS NULL AND a.inbox_url IS NOT NULL
          AND COALESCE(NULLIF(a.shared_inbox_url, ''), a.inbox_url) > COALESCE($1::text, '')
        ORDER BY inbox
        LIMIT $2`,
      [after, limit],
    );
    return rows.map((row) => row.inbox);
  }

  /**
   * A page of an account's followers (or of the accounts it follows) as actor ids, newest follow
   * first, numbered from 1; suspended accounts are left out of the page and of the total alike.
   */
  async networkUris(
    accountId: string,
    direction: 'followers' | 'following',
    page: number,
    limit: number,
  ): Promise<{ uris: string[]; total: number }> {
    const [owner, listed] =
      direction === 'followers' ? ['target_account_id', 'account_id'] : ['account_id', 'target_account_id'];
    const from = `FROM accounts.follows f JOIN accounts.accounts a ON a.id = f.${listed}
        WHERE f.${owner} = $1 AND a.suspended_at IS NULL`;
    const [rows, counted] = await Promise.all([
      this.db.query<{ uri: string }[]>(`SELECT a.uri ${from} ORDER BY f.id DESC LIMIT $2 OFFSET $3`, [
        accountId,
        limit,
        (page - 1) * limit,
      ]),
      this.db.query<{ total: number }[]>(`SELECT count(*)::int AS total ${from}`, [accountId]),
    ]);
    const total = counted[0]?.total ?? 0;
    return { uris: rows.map((row) => row.uri), total };
  }

  async byAccts(accts: string[], localDomain: string): Promise<Found<string>> {
    const lookups = acctLookups(accts, localDomain);
    if (!lookups.length) return { actors: [], missing: [] };
    const rows: ActorRow[] = await this.db.query(
      `SELECT ${ACCOUNT_COLUMNS}, ${ACTOR_COLUMNS} FROM accounts.accounts a ${ACCT_JOIN}`,
      acctParams(lookups),
    );
    const { found, missing } = inAcctOrder(lookups, rows, toActorRecord);
    return { actors: found, missing };
  }
}
