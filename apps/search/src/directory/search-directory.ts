import { Inject, Injectable } from '@nestjs/common';
import { type AccountRecord, contracts } from '@mammut/contracts';
import { BUS, type Bus, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { SEARCH_DB } from '../database/search-database';
import { type FromAccount, wordsOf } from '../query/search-query';

/** `%`, `_` and `\` taken literally in a LIKE pattern. */
const escapeLike = (text: string): string => text.replace(/[\\%_]/g, '\\$&');

/** A hashtag name as typed (`#Cats`, `cats`) → `cats`; null for what no hashtag could be named. */
export function tagNameOf(q: string): string | null {
  const name = q.trim().replace(/^#/, '').toLowerCase();
  return /^[\p{L}\p{N}_]{1,100}$/u.test(name) ? name : null;
}

/**
 * The accounts and hashtags the search index knows, projected from account, follow and status
 * events: account names (prefix search), whether an account is indexable, suspended, moved or
 * deleted (who finds its statuses), who follows whom (`following=true`, followed accounts first),
 * and hashtag names. An account's row is read again from the accounts service on each of its
 * events, so a replayed or late event only ever writes the account as it is now.
 */
@Injectable()
export class SearchDirectory {
  constructor(
    @Inject(SEARCH_DB) private readonly db: DataSource,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(RUNTIME) private readonly runtime: Runtime,
  ) {}

  /** The accounts as the accounts service has them now; those it no longer has are marked deleted. */
  async refresh(tx: EntityManager, ids: readonly string[]): Promise<void> {
    if (!ids.length) return;
    const { accounts, missing } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [...ids],
    });
    for (const account of accounts) await this.save(tx, account);
    for (const id of missing) await this.markDeleted(tx, id);
  }

  /** Reads the account from the accounts service unless it is known here already. */
  async ensure(tx: EntityManager, id: string): Promise<void> {
    const known: unknown[] = await tx.query(`SELECT 1 FROM search.accounts WHERE id = $1`, [id]);
    if (!known.length) await this.refresh(tx, [id]);
  }

  async markDeleted(tx: EntityManager, id: string): Promise<void> {
    await tx.query(
      `INSERT INTO search.accounts (id, username, deleted) VALUES ($1, '', true)
       ON CONFLICT (id) DO UPDATE SET deleted = true`,
      [id],
    );
  }

  private async save(tx: EntityManager, a: AccountRecord): Promise<void> {
    await tx.query(
      `INSERT INTO search.accounts
         (id, username, domain, display_name, indexable, suspended, moved, deleted, followers_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8)
       ON CONFLICT (id) DO UPDATE SET
         username = EXCLUDED.username, domain = EXCLUDED.domain,
         display_name = EXCLUDED.display_name, indexable = EXCLUDED.indexable,
         suspended = EXCLUDED.suspended, moved = EXCLUDED.moved, deleted = false,
         followers_count = EXCLUDED.followers_count`,
      [
        a.id,
        a.username,
        a.domain,
        a.displayName,
        a.indexable,
        a.suspended,
        a.movedToAccountId !== null,
        a.followersCount,
      ],
    );
  }

  async follow(
    tx: EntityManager,
    accountId: string,
    targetAccountId: string,
    following: boolean,
  ): Promise<void> {
    await tx.query(
      following
        ? `INSERT INTO search.follows (account_id, target_account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`
        : `DELETE FROM search.follows WHERE account_id = $1 AND target_account_id = $2`,
      [accountId, targetAccountId],
    );
  }

  async useTags(tx: EntityManager, names: readonly string[], at: string): Promise<void> {
    if (!names.length) return;
    await tx.query(
      `INSERT INTO search.tags (name, last_status_at) SELECT unnest($1::text[]), $2
       ON CONFLICT (name) DO UPDATE SET last_status_at = GREATEST(search.tags.last_status_at, EXCLUDED.last_status_at)`,
      [names, at],
    );
  }

  /** The id of the account `from:` names; null when none is known (the search then finds nothing). */
  async accountIdOf(from: FromAccount, viewerId: string): Promise<string | null> {
    if (from.me) return viewerId;
    const domain = from.domain === this.runtime.config.localDomain.toLowerCase() ? null : from.domain;
    const rows: { id: string }[] = await this.db.query(
      `SELECT id FROM search.accounts
       WHERE lower(username) = $1 AND lower(coalesce(domain, '')) = $2 AND NOT deleted
       LIMIT 1`,
      [from.username, domain ?? ''],
    );
    return rows[0] ? String(rows[0].id) : null;
  }

  /**
   * Accounts by prefix of their username, display name or domain words (`user@dom` by username
   * and domain prefixes), as Mastodon's account search: the exact handle first, then accounts the
   * viewer follows, then by how well and how widely they match. Never suspended, moved or deleted
   * ones.
   */
  async searchAccounts(search: {
    q: string;
    viewerId: string | null;
    following: boolean;
    limit: number;
    offset: number;
  }): Promise<string[]> {
    const q = search.q.trim().replace(/^@/, '');
    const handle = /^([\w.-]+)@([\p{L}\p{N}.:-]*)$/u.exec(q);
    const params: unknown[] = [];
    const add = (value: unknown): string => `$${params.push(value)}`;
    let match: string;
    let rank = '0::real';
    let exact: string;
    if (handle) {
      const [username, domain] = [handle[1].toLowerCase(), handle[2].toLowerCase()];
      const local = domain === this.runtime.config.localDomain.toLowerCase();
      const u = add(username);
      match = local
        ? `a.domain IS NULL AND lower(a.username) LIKE ${add(`${escapeLike(username)}%`)}`
        : `lower(a.username) LIKE ${add(`${escapeLike(username)}%`)} AND lower(a.domain) LIKE ${add(`${escapeLike(domain)}%`)}`;
      exact = `lower(a.username) = ${u} AND lower(coalesce(a.domain, '')) = ${add(local ? '' : domain)}`;
    } else {
      const words = wordsOf(q)
        .flatMap((word) => word.toLowerCase().split('_'))
        .filter(Boolean);
      if (!words.length) return [];
      const tsquery = `to_tsquery('simple', ${add(words.map((word) => `${word}:*`).join(' & '))})`;
      const whole = add(`${escapeLike(q.toLowerCase())}%`);
      match = `(a.tsv @@ ${tsquery} OR lower(a.username) LIKE ${whole})`;
      rank = `ts_rank_cd(a.tsv, ${tsquery})`;
      exact = `(lower(a.username) = ${add(q.toLowerCase())} AND a.domain IS NULL)`;
    }
    const viewer = search.viewerId === null ? 'NULL::bigint' : add(search.viewerId);
    const followed = `EXISTS (SELECT 1 FROM search.follows f WHERE f.account_id = ${viewer} AND f.target_account_id = a.id)`;
    const where = [match, `NOT a.suspended`, `NOT a.moved`, `NOT a.deleted`];
    if (search.following) where.push(followed);
    const rows: { id: string }[] = await this.db.query(
      `SELECT a.id FROM search.accounts a
       WHERE ${where.join(' AND ')}
       ORDER BY (${exact}) DESC, ${followed} DESC, ${rank} DESC, a.followers_count DESC, a.id
       LIMIT ${add(search.limit)} OFFSET ${add(search.offset)}`,
      params,
    );
    return rows.map((row) => String(row.id));
  }

  /**
   * Hashtag names by prefix, shortest first, as Mastodon's Tag.search_for. None is reviewed by
   * staff here yet, so `excludeUnreviewed` leaves the exact name alone (Mastodon keeps an exact
   * match whether reviewed or not).
   */
  async searchTags(search: {
    q: string;
    excludeUnreviewed: boolean;
    limit: number;
    offset: number;
  }): Promise<string[]> {
    const name = tagNameOf(search.q);
    if (name === null) return [];
    const rows: { name: string }[] = await this.db.query(
      search.excludeUnreviewed
        ? `SELECT name FROM search.tags WHERE name = $1 LIMIT $2 OFFSET $3`
        : `SELECT name FROM search.tags WHERE name LIKE $1 ORDER BY length(name), name LIMIT $2 OFFSET $3`,
      [search.excludeUnreviewed ? name : `${escapeLike(name)}%`, search.limit, search.offset],
    );
    return rows.map((row) => row.name);
  }
}
