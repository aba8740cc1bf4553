import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  type FamiliarFollowersRecord,
  RELATIONSHIP_LIMITS,
  type RelationshipRecord,
} from '@mammut/contracts';
import { queryPrepared } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { RelationshipsCache } from '../caches/read-caches';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { ACCOUNT_COLUMNS, type AccountRow, toAccountRecord } from '../profiles/account-row';

/**
 * One fact about the viewer and one target: the target itself (`account`, carrying whether the
 * viewer blocks its domain), or one relationship row that exists. Columns not used by a kind are null.
 */
interface FactRow {
  id: string;
  kind:
    | 'account'
    | 'follow'
    | 'request'
    | 'followed_by'
    | 'requested_by'
    | 'blocking'
    | 'blocked_by'
    | 'mute'
    | 'endorsed'
    | 'note';
  /** account: domain blocked; follow/request: show reblogs; mute: hide notifications. */
  flag: boolean | null;
  /** follow/request: notify. */
  notify: boolean | null;
  languages: string[] | null;
  /** note: the comment. */
  text: string | null;
  /** mute: when it ends; followed_by: when the follow began (ISO 8601, as PostgreSQL writes timestamps in JSON). */
  at: string | null;
}

/**
 * Where each relationship fact lives: its table, which side of the row the viewer is on (`out`:
 * the viewer acts on the target, `in`: the target acts on the viewer), and the values it carries
 * (flag, notify, languages, text, at), null where a kind has none.
 */
const FACT_SOURCES: readonly {
  kind: FactRow['kind'];
  table: string;
  side: 'out' | 'in';
  values: string;
  where?: string;
}[] = [
  { kind: 'follow', table: 'follows', side: 'out', values: 'show_reblogs, notify, languages, NULL, NULL' },
  {
    kind: 'request',
    table: 'follow_requests',
    side: 'out',
    values: 'show_reblogs, notify, languages, NULL, NULL',
  },
  { kind: 'followed_by', table: 'follows', side: 'in', values: 'NULL, NULL, NULL, NULL, created_at' },
  { kind: 'requested_by', table: 'follow_requests', side: 'in', values: 'NULL, NULL, NULL, NULL, NULL' },
  { kind: 'blocking', table: 'blocks', side: 'out', values: 'NULL, NULL, NULL, NULL, NULL' },
  { kind: 'blocked_by', table: 'blocks', side: 'in', values: 'NULL, NULL, NULL, NULL, NULL' },
  {
    kind: 'mute',
    table: 'mutes',
    side: 'out',
    values: 'hide_notifications, NULL, NULL, NULL, expires_at',
    where: '(expires_at IS NULL OR expires_at > now())',
  },
  { kind: 'endorsed', table: 'account_endorsements', side: 'out', values: 'NULL, NULL, NULL, NULL, NULL' },
  { kind: 'note', table: 'account_notes', side: 'out', values: 'NULL, NULL, NULL, comment, NULL' },
];

const factSelect = ({ kind, table, side, values, where }: (typeof FACT_SOURCES)[number]): string => {
  const [viewer, target] =
    side === 'out' ? ['account_id', 'target_account_id'] : ['target_account_id', 'account_id'];
  return `SELECT ${target}::text, '${kind}', ${values} FROM accounts.${table}
    WHERE ${viewer} = $1 AND ${target} = ANY($2::bigint[])${where ? ` AND ${where}` : ''}`;
};

// The relationships of one viewer to a batch of targets, as the sparse set of rows that exist:
// one indexed probe per table for the whole batch, and a result as small as the graph around the
// viewer (most targets have no relationship at all), handed back as one JSON value because pg's
// per-column parsing in JS cost more than the query. Expired mutes count as no mute.
const RELATIONSHIP_FACTS_SQL = `SELECT COALESCE(json_agg(f), '[]'::json) AS facts FROM (
  SELECT t.id::text AS id, 'account' AS kind,
         (t.domain IS NOT NULL AND EXISTS (SELECT 1 FROM accounts.account_domain_blocks d
            WHERE d.account_id = $1 AND d.domain = lower(t.domain))) AS flag,
         NULL::boolean AS notify, NULL::text[] AS languages, NULL::text AS text, NULL::timestamptz AS at
    FROM accounts.accounts t WHERE t.id = ANY($2::bigint[]) AND ($3::boolean OR t.suspended_at IS NULL)
  ${FACT_SOURCES.map((source) => `UNION ALL ${factSelect(source)}`).join('\n  ')}) f`;

/**
 * Relationships from one viewer to many accounts, computed in one query for the whole batch, and
 * kept in process between changes (RelationshipsCache): a batch asks PostgreSQL only for the
 * targets it has not seen since they last changed.
 */
@Injectable()
export class RelationshipsQueries {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    private readonly cache: RelationshipsCache,
  ) {}

  /** In request order, duplicates dropped; unknown (and, unless asked, suspended) accounts are missing. */
  async relationships(
    viewerId: string,
    ids: string[],
    withSuspended: boolean,
    tx?: EntityManager,
  ): Promise<{ relationships: RelationshipRecord[]; missing: string[] }> {
    const unique = [...new Set(ids)];
    if (!unique.length) return { relationships: [], missing: [] };
    // Inside a write's transaction the answer must show the write: no cache there.
    if (tx) return this.read(viewerId, unique, withSuspended, tx);
    const found = new Map<string, RelationshipRecord>();
    const unseen: string[] = [];
    for (const id of unique) {
      const cached = this.cache.get(RelationshipsCache.key(viewerId, id, withSuspended));
      if (cached) found.set(id, cached);
      else unseen.push(id);
    }
    if (unseen.length) {
      const ticket = this.cache.ticket();
      const read = await this.read(viewerId, unseen, withSuspended);
      for (const record of read.relationships) {
        found.set(record.id, record);
        // A timed mute ends by itself, without a change to hear: the entry ends with it.
        const until = record.mutingExpiresAt ? Date.parse(record.mutingExpiresAt) : undefined;
        const key = RelationshipsCache.key(viewerId, record.id, withSuspended);
        this.cache.put(key, record, RelationshipsCache.tags(viewerId, record.id), ticket, until);
      }
    }
    return {
      relationships: unique.flatMap((id) => found.get(id) ?? []),
      missing: unique.filter((id) => !found.has(id)),
    };
  }

  private async read(
    viewerId: string,
    unique: string[],
    withSuspended: boolean,
    tx?: EntityManager,
  ): Promise<{ relationships: RelationshipRecord[]; missing: string[] }> {
    const params = [viewerId, unique, withSuspended];
    // Inside a write's transaction it runs there; alone it is a prepared statement, since planning
    // this batch costs more than executing it.
    const [{ facts: rows }]: { facts: FactRow[] }[] = tx
      ? await tx.query(RELATIONSHIP_FACTS_SQL, params)
      : await queryPrepared<{ facts: FactRow[] }>(
          this.db,
          'accounts.relationships',
          RELATIONSHIP_FACTS_SQL,
          params,
        );
    const records = new Map<string, RelationshipRecord>();
    for (const row of rows) {
      if (row.kind === 'account') records.set(row.id, blankRelationship(row.id, row.flag === true));
    }
    for (const row of rows) {
      const record = records.get(row.id);
      if (record) applyFact(record, row);
    }
    const relationships = unique.flatMap((id) => records.get(id) ?? []);
    return { relationships, missing: unique.filter((id) => !records.has(id)) };
  }

  /** The one relationship a write answers with, read inside its transaction when given. */
  async one(viewerId: string, targetId: string, tx?: EntityManager): Promise<RelationshipRecord> {
    const { relationships } = await this.relationships(viewerId, [targetId], true, tx);
    if (!relationships[0]) throw new ContractError('not_found', 'Record not found');
    return relationships[0];
  }

  /**
   * For each known, unsuspended target in request order: the accounts the viewer follows that
   * follow it. Targets hiding their collections show none, unless the viewer is the target; and
   * followers hiding theirs are left out, as Mastodon's FamiliarFollowersPresenter does.
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
              AND a.hide_collections IS NOT TRUE
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

function blankRelationship(id: string, domainBlocking: boolean): RelationshipRecord {
  return {
    id,
    following: false,
    showingReblogs: false,
    notifying: false,
    languages: null,
    followedBy: false,
    followedBySince: null,
    blocking: false,
    blockedBy: false,
    muting: false,
    mutingNotifications: false,
    mutingExpiresAt: null,
    requested: false,
    requestedBy: false,
    domainBlocking,
    endorsed: false,
    note: '',
  };
}

/** Folds one fact into its target's relationship (a follow and a request never coexist). */
function applyFact(record: RelationshipRecord, row: FactRow): void {
  switch (row.kind) {
    case 'account':
      return;
    case 'follow':
    case 'request':
      if (row.kind === 'follow') record.following = true;
      else record.requested = true;
      record.showingReblogs = row.flag === true;
      record.notifying = row.notify === true;
      record.languages = row.languages?.length ? row.languages : null;
      return;
    case 'followed_by':
      record.followedBy = true;
      record.followedBySince = row.at === null ? null : new Date(row.at).toISOString();
      return;
    case 'requested_by':
      record.requestedBy = true;
      return;
    case 'blocking':
      record.blocking = true;
      return;
    case 'blocked_by':
      record.blockedBy = true;
      return;
    case 'mute':
      record.muting = true;
      record.mutingNotifications = row.flag === true;
      record.mutingExpiresAt = row.at === null ? null : new Date(row.at).toISOString();
      return;
    case 'endorsed':
      record.endorsed = true;
      return;
    case 'note':
      record.note = row.text ?? '';
      return;
  }
}
