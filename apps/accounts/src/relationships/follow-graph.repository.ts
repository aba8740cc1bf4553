import { Inject, Injectable } from '@nestjs/common';
import { ContractError } from '@mammut/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { SHOWN_ACCOUNT } from '../profiles/account-row';
import { ListMemberships } from '../lists/list-memberships';

export type Tx = EntityManager;

/** What the use cases need to know about the two accounts of a relationship. */
export interface PartyRow {
  id: string;
  domain: string | null;
  locked: boolean;
  suspended: boolean;
  /** Limited by a moderator (or its domain silenced): its follows need approval, as Mastodon's. */
  silenced: boolean;
  /** Has moved to another account: following it is refused, as in Mastodon. */
  moved: boolean;
  /** A local account whose user is unconfirmed or unapproved: not there for anyone else yet. */
  hidden: boolean;
}

/** A follow or follow request that was removed: who followed whom, and its Follow activity id. */
export interface RemovedFollow {
  account_id: string;
  target_account_id: string;
  uri: string | null;
}

interface CountChange {
  readonly accountId: string;
  readonly followers?: number;
  readonly following?: number;
}

const DEADLOCK = '40P01';
const SERIALIZATION = '40001';

/**
 * The transactional primitives every relationship use case shares: the pair lock, the follow
 * rows and the counters that must move with them.
 */
@Injectable()
export class FollowGraph {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly lists: ListMemberships,
  ) {}

  /**
   * Runs `work` in a transaction, retried when PostgreSQL picks it as a deadlock victim: counters
   * of popular accounts are hot rows, and a retry is cheaper than an error for the client.
   */
  async transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(work);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (attempt >= 5 || (code !== DEADLOCK && code !== SERIALIZATION)) throw error;
      }
    }
  }

  /**
   * Viewer and target, both existing; an unknown target is `not_found`, and so is a suspended one
   * or a local one Mastodon hides (unconfirmed, unapproved) unless the change may still touch it
   * (refusing what a suspended account asked for). A suspended (or deleted) viewer may only take
   * relationships away, as a remote server's Undo of a suspended actor does; it adds none.
   */
  async parties(
    tx: Tx,
    viewerId: string,
    targetId: string,
    allow: { suspendedTarget: 'refused' | 'allowed'; suspendedViewer: 'refused' | 'allowed' } = {
      suspendedTarget: 'refused',
      suspendedViewer: 'refused',
    },
  ): Promise<{ viewer: PartyRow; target: PartyRow }> {
    // KEY SHARE: waits for a suspension or deletion in progress (they lock the row FOR UPDATE) and
    // then sees it, so no relationship is added to or by an account that is going away.
    const rows: PartyRow[] = await tx.query(
      `SELECT a.id::text, a.domain, a.locked, a.suspended_at IS NOT NULL AS suspended,
              a.silenced_at IS NOT NULL AS silenced, a.moved_to_account_id IS NOT NULL AS moved, NOT ${SHOWN_ACCOUNT} AS hidden
         FROM accounts.accounts a WHERE a.id = ANY($1::bigint[]) FOR KEY SHARE`,
      [[viewerId, targetId]],
    );
    const viewer = rows.find((row) => row.id === viewerId);
    const target = rows.find((row) => row.id === targetId);
    if (!viewer || !target || ((target.suspended || target.hidden) && allow.suspendedTarget === 'refused')) {
      throw new ContractError('not_found', 'Record not found');
    }
    if (viewer.suspended && allow.suspendedViewer === 'refused') {
      throw new ContractError('forbidden', 'This action is not allowed');
    }
    return { viewer, target };
  }

  /**
   * Serializes every change between two accounts (in either direction), so that a block racing a
   * follow cannot leave both behind. Taken first in each transaction that changes the pair.
   */
  async lockPair(tx: Tx, a: string, b: string): Promise<void> {
    const [low, high] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
    await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`accounts.pair:${low}:${high}`]);
  }

  async isBlockedEitherWay(tx: Tx, a: string, b: string): Promise<boolean> {
    const rows: { found: boolean }[] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM accounts.blocks
         WHERE (account_id = $1 AND target_account_id = $2) OR (account_id = $2 AND target_account_id = $1)) AS found`,
      [a, b],
    );
    return rows[0].found;
  }

  /**
   * Inserts the follow and moves both counters when a row was really added. Answers the follow's
   * id (the one already there when it was not added) and whether it was added.
   */
  async addFollow(
    tx: Tx,
    follow: {
      from: string;
      to: string;
      reblogs: boolean;
      notify: boolean;
      languages: string[] | null;
      uri: string | null;
    },
  ): Promise<{ id: string; added: boolean }> {
    const inserted: { id: string }[] = await tx.query(
      `INSERT INTO accounts.follows (account_id, target_account_id, show_reblogs, notify, languages, uri)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (account_id, target_account_id) DO NOTHING RETURNING id::text`,
      [follow.from, follow.to, follow.reblogs, follow.notify, follow.languages, follow.uri],
    );
    if (!inserted.length) {
      const [existing]: { id: string }[] = await tx.query(
        `SELECT id::text FROM accounts.follows WHERE account_id = $1 AND target_account_id = $2`,
        [follow.from, follow.to],
      );
      return { id: existing.id, added: false };
    }
    await this.adjustCounts(tx, [
      { accountId: follow.from, following: 1 },
      { accountId: follow.to, followers: 1 },
    ]);
    return { id: inserted[0].id, added: true };
  }

  /**
   * Deletes follows matching `where` (over `f`), their endorsements and list memberships as
   * Mastodon does, and moves the counters by exactly the rows deleted. Returns the removed follows.
   */
  async removeFollows(tx: Tx, where: string, params: unknown[]): Promise<RemovedFollow[]> {
    const removed: RemovedFollow[] = await tx.query(
      `WITH removed AS (DELETE FROM accounts.follows f WHERE ${where} RETURNING f.account_id, f.target_account_id, f.uri),
            unendorsed AS (DELETE FROM accounts.account_endorsements e USING removed r
              WHERE e.account_id = r.account_id AND e.target_account_id = r.target_account_id)
       SELECT account_id::text, target_account_id::text, uri FROM removed`,
      params,
    );
    await this.lists.followsEnded(tx, removed);
    await this.adjustCounts(
      tx,
      removed.flatMap((r) => [
        { accountId: r.account_id, following: -1 },
        { accountId: r.target_account_id, followers: -1 },
      ]),
    );
    return removed;
  }

  /** Deletes the block or mute from `from` to `to`; its id, or null when there was none. */
  async removeEdge(tx: Tx, table: 'blocks' | 'mutes', from: string, to: string): Promise<string | null> {
    const [removed]: { id: string }[] = await tx.query(
      `WITH removed AS (DELETE FROM accounts.${table} WHERE account_id = $1 AND target_account_id = $2 RETURNING id)
       SELECT id::text FROM removed`,
      [from, to],
    );
    return removed?.id ?? null;
  }

  /** Deletes the follow request from `from` to `to`; the removed request, or null when there was none. */
  async removeRequest(tx: Tx, from: string, to: string): Promise<RemovedFollow | null> {
    const [removed] = await this.removeRequests(tx, 'r.account_id = $1 AND r.target_account_id = $2', [
      from,
      to,
    ]);
    return removed ?? null;
  }

  /** Deletes follow requests matching `where` (over `r`); returns the removed requests. */
  async removeRequests(tx: Tx, where: string, params: unknown[]): Promise<RemovedFollow[]> {
    return tx.query(
      `WITH removed AS (DELETE FROM accounts.follow_requests r WHERE ${where} RETURNING r.account_id, r.target_account_id, r.uri)
       SELECT account_id::text, target_account_id::text, uri FROM removed`,
      params,
    );
  }

  /**
   * Relative, atomic counter updates in ascending id order (a stable lock order avoids deadlocks
   * between transactions touching the same accounts), clamped at zero.
   */
  async adjustCounts(tx: Tx, changes: CountChange[]): Promise<void> {
    const merged = new Map<string, { followers: number; following: number }>();
    for (const change of changes) {
      const entry = merged.get(change.accountId) ?? { followers: 0, following: 0 };
      entry.followers += change.followers ?? 0;
      entry.following += change.following ?? 0;
      merged.set(change.accountId, entry);
    }
    const ordered = [...merged.entries()]
      .filter(([, c]) => c.followers !== 0 || c.following !== 0)
      .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1));
    for (const [accountId, c] of ordered) {
      await tx.query(
        `UPDATE accounts.accounts
            SET followers_count = GREATEST(followers_count + $2, 0),
                following_count = GREATEST(following_count + $3, 0)
          WHERE id = $1`,
        [accountId, c.followers, c.following],
      );
    }
  }
}
