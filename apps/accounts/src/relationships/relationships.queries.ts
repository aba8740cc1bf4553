import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  type FamiliarFollowersRecord,
  RELATIONSHIP_LIMITS,
  type RelationshipRecord,
} from '@mammut/contracts';
import { queryPrepared } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNT_COLUMNS, type AccountRow, toAccountRecord } from '../profiles/account-row';

interface RelationshipRow {
  id: string;
  following: boolean;
  requested: boolean;
  show_reblogs: boolean | null;
  notify: boolean | null;
  languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean | null;
  muting_expires_at: Date | null;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string | null;
}

// Expired mutes stay in the table until swept; they count as no mute at all.
const RELATIONSHIPS_SQL = `SELECT t.id::text AS id,
              f.id IS NOT NULL AS following,
              r.id IS NOT NULL AS requested,
              COALESCE(f.show_reblogs, r.show_reblogs) AS show_reblogs,
              COALESCE(f.notify, r.notify) AS notify,
              CASE WHEN f.id IS NOT NULL THEN f.languages ELSE r.languages END AS languages,
              EXISTS (SELECT 1 FROM accounts.follows x WHERE x.account_id = t.id AND x.target_account_id = $1) AS followed_by,
              EXISTS (SELECT 1 FROM accounts.blocks x WHERE x.account_id = $1 AND x.target_account_id = t.id) AS blocking,
              EXISTS (SELECT 1 FROM accounts.blocks x WHERE x.account_id = t.id AND x.target_account_id = $1) AS blocked_by,
              m.id IS NOT NULL AS muting,
              m.hide_notifications AS muting_notifications,
              m.expires_at AS muting_expires_at,
              EXISTS (SELECT 1 FROM accounts.follow_requests x WHERE x.account_id = t.id AND x.target_account_id = $1) AS requested_by,
              (t.domain IS NOT NULL AND EXISTS (SELECT 1 FROM accounts.account_domain_blocks x
                 WHERE x.account_id = $1 AND x.domain = lower(t.domain))) AS domain_blocking,
              EXISTS (SELECT 1 FROM accounts.account_endorsements x WHERE x.account_id = $1 AND x.target_account_id = t.id) AS endorsed,
              n.comment AS note
         FROM unnest($2::bigint[]) WITH ORDINALITY AS w(id, ord)
         JOIN accounts.accounts t ON t.id = w.id
         LEFT JOIN accounts.follows f ON f.account_id = $1 AND f.target_account_id = t.id
         LEFT JOIN accounts.follow_requests r ON r.account_id = $1 AND r.target_account_id = t.id
         LEFT JOIN accounts.mutes m ON m.account_id = $1 AND m.target_account_id = t.id
                                   AND (m.expires_at IS NULL OR m.expires_at > now())
         LEFT JOIN accounts.account_notes n ON n.account_id = $1 AND n.target_account_id = t.id
        WHERE $3::boolean OR t.suspended_at IS NULL
        ORDER BY w.ord`;

/** Relationships from one viewer to many accounts, computed in one query for the whole batch. */
@Injectable()
export class RelationshipsQueries {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  /** In request order, duplicates dropped; unknown (and, unless asked, suspended) accounts are missing. */
  async relationships(
    viewerId: string,
    ids: string[],
    withSuspended: boolean,
    tx?: EntityManager,
  ): Promise<{ relationships: RelationshipRecord[]; missing: string[] }> {
    const unique = [...new Set(ids)];
    if (!unique.length) return { relationships: [], missing: [] };
    const params = [viewerId, unique, withSuspended];
    // Inside a write's transaction it runs there; alone it is a prepared statement, since planning
    // this batch costs more than executing it.
    const rows: RelationshipRow[] = tx
      ? await tx.query(RELATIONSHIPS_SQL, params)
      : await queryPrepared<RelationshipRow>(this.db, 'accounts.relationships', RELATIONSHIPS_SQL, params);
    const found = new Set(rows.map((row) => row.id));
    return {
      relationships: rows.map(toRelationship),
      missing: unique.filter((id) => !found.has(id)),
    };
  }

  /** The one relationship a write answers with, read inside its transaction when given. */
  async one(viewerId: string, targetId: string, tx?: EntityManager): Promise<RelationshipRecord> {
    const { relationships } = await this.relationships(viewerId, [targetId], true, tx);
    if (!relationships[0]) throw new ContractError('not_found', 'Record not found');
    return relationships[0];
  }

  /**
   * For each known, unsuspended target in request order: the accounts the viewer follows that
   * follow it. Targets hiding their collections show none, unless the viewer is the target.
   */
  async familiarFollowers(viewerId: string, ids: string[]): Promise<FamiliarFollowersRecord[]> {
    const unique = [...new Set(ids)];
    if (!unique.length) return [];
    const rows: (AccountRow & { target_id: string; ord: string })[] = await this.db.query(
      `SELECT w.id::text AS target_id, w.ord, ${ACCOUNT_COLUMNS}
         FROM unnest($2::bigint[]) WITH ORDINALITY AS w(id, ord)
         JOIN accounts.accounts t ON t.id = w.id AND t.suspended_at IS NULL
         LEFT JOIN LATERAL (
           SELECT a.* FROM accounts.follows theirs
             JOIN accounts.follows mine ON mine.account_id = $1 AND mine.target_account_id = theirs.account_id
             JOIN accounts.accounts a ON a.id = theirs.account_id AND a.suspended_at IS NULL
            WHERE theirs.target_account_id = t.id
              AND (t.hide_collections IS NOT TRUE OR t.id = $1)
            ORDER BY theirs.id DESC
            LIMIT $3
         ) a ON true
        ORDER BY w.ord`,
      [viewerId, unique, RELATIONSHIP_LIMITS.familiarFollowers],
    );
    const byTarget = new Map<string, FamiliarFollowersRecord>();
    for (const row of rows) {
      const entry = byTarget.get(row.target_id) ?? { id: row.target_id, accounts: [] };
      if (row.id !== null) entry.accounts.push(toAccountRecord(row));
      byTarget.set(row.target_id, entry);
    }
    return [...byTarget.values()];
  }
}

function toRelationship(row: RelationshipRow): RelationshipRecord {
  return {
    id: row.id,
    following: row.following,
    showingReblogs: (row.following || row.requested) && row.show_reblogs === true,
    notifying: (row.following || row.requested) && row.notify === true,
    languages: row.languages?.length ? row.languages : null,
    followedBy: row.followed_by,
    blocking: row.blocking,
    blockedBy: row.blocked_by,
    muting: row.muting,
    mutingNotifications: row.muting && row.muting_notifications === true,
    mutingExpiresAt: row.muting_expires_at?.toISOString() ?? null,
    requested: row.requested,
    requestedBy: row.requested_by,
    domainBlocking: row.domain_blocking,
    endorsed: row.endorsed,
    note: row.note ?? '',
  };
}
