import { Inject, Injectable } from '@nestjs/common';
import type { PageRequest, StatusRecord, TagRecord } from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord, WITH_MEDIA } from '../statuses/status-row';

/** The days a hashtag's history covers, as Mastodon's Tag entity carries it. */
const HISTORY_DAYS = 7;

interface TagTimeline {
  any: string[];
  all: string[];
  none: string[];
  local: boolean | null;
  onlyMedia?: boolean;
  page: PageRequest;
}

/**
 * Hashtags. A status keeps the names of its tags; the `tags` table gives each name used or
 * followed an id. A tag's history counts, per UTC day, the public and unlisted statuses (not
 * reblogs) that used it and their distinct authors, read from the statuses themselves.
 */
@Injectable()
export class Tags {
  constructor(@Inject(STATUSES_DB) private readonly db: DataSource) {}

  async get(names: string[], viewerId: string | null): Promise<TagRecord[]> {
    const unique = [...new Set(names)];
    const known: Promise<{ id: string; name: string; following: boolean }[]> = this.db.query(
      `SELECT t.id, t.name,
                EXISTS (SELECT 1 FROM statuses.tag_follows f WHERE f.tag_id = t.id AND f.account_id = $2) AS following
           FROM statuses.tags t WHERE t.name = ANY($1::text[])`,
      [unique, viewerId],
    );
    const [rows, history] = await Promise.all([known, this.history(unique)]);
    const byName = new Map(rows.map((row) => [row.name, row]));
    return unique.map((name) => ({
      id: byName.get(name)?.id ?? '',
      name,
      history: history.get(name) ?? [],
      following: byName.get(name)?.following ?? false,
    }));
  }

  async follow(accountId: string, name: string): Promise<TagRecord> {
    await this.db.query(
      `WITH tag AS (
         INSERT INTO statuses.tags (name) VALUES ($2)
         ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id)
       INSERT INTO statuses.tag_follows (account_id, tag_id) SELECT $1, id FROM tag
       ON CONFLICT (account_id, tag_id) DO NOTHING`,
      [accountId, name],
    );
    return (await this.get([name], accountId))[0];
  }

  async unfollow(accountId: string, name: string): Promise<TagRecord> {
    await this.db.query(
      `DELETE FROM statuses.tag_follows f USING statuses.tags t
        WHERE f.tag_id = t.id AND t.name = $2 AND f.account_id = $1`,
      [accountId, name],
    );
    return (await this.get([name], accountId))[0];
  }

  async followed(accountId: string, page: PageRequest): Promise<{ cursor: string; tag: TagRecord }[]> {
    const p = pageSql('f.id', page, [accountId]);
    const found: { cursor: string; name: string }[] = await this.db.query(
      `SELECT f.id AS cursor, t.name FROM statuses.tag_follows f JOIN statuses.tags t ON t.id = f.tag_id
        WHERE f.account_id = $1${p.where} ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const rows = p.ascending ? found.reverse() : found;
    if (!rows.length) return [];
    const tags = new Map(
      (
        await this.get(
          rows.map((row) => row.name),
          accountId,
        )
      ).map((t) => [t.name, t]),
    );
    return rows.flatMap((row) => {
      const tag = tags.get(row.name);
      return tag ? [{ cursor: row.cursor, tag }] : [];
    });
  }

  /** Public statuses with any of `any`, all of `all`, none of `none`; newest first. */
  async timeline(request: TagTimeline): Promise<StatusRecord[]> {
    const p = pageSql('s.id', request.page, [
      request.any,
      request.all,
      request.none,
      request.local,
      request.onlyMedia ?? false,
    ]);
    const rows: StatusRow[] = await this.db.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.tags && $1::text[] AND s.tags @> $2::text[] AND NOT (s.tags && $3::text[])
          AND s.deleted_at IS NULL AND s.visibility = 'public' AND s.reblog_of_id IS NULL
          AND ($4::boolean IS NULL OR s.local = $4::boolean)
          AND ($5::boolean = false OR ${WITH_MEDIA})${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map(toStatusRecord);
  }

  async followers(
    names: string[],
    after: string | null,
    limit: number,
  ): Promise<{ cursor: string; accountId: string }[]> {
    // One row per account (its first follow among these tags), in follow order.
    const rows: { cursor: string; account_id: string }[] = await this.db.query(
      `SELECT min(f.id) AS cursor, f.account_id
         FROM statuses.tag_follows f JOIN statuses.tags t ON t.id = f.tag_id
        WHERE t.name = ANY($1::text[])
        GROUP BY f.account_id
       HAVING ($2::bigint IS NULL OR min(f.id) > $2::bigint)
        ORDER BY min(f.id) LIMIT $3`,
      [names, after, limit],
    );
    return rows.map((row) => ({ cursor: row.cursor, accountId: row.account_id }));
  }

  private async history(names: string[]): Promise<Map<string, TagRecord['history']>> {
    const rows: { name: string; day: string; uses: number; accounts: number }[] = await this.db.query(
      `WITH days AS (
         SELECT generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - ($2::int - 1) * interval '1 day',
                                date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day)
       SELECT n.name, extract(epoch FROM d.day)::bigint::text AS day,
              count(s.id)::int AS uses, count(DISTINCT s.account_id)::int AS accounts
         FROM unnest($1::text[]) AS n(name)
        CROSS JOIN days d
         LEFT JOIN statuses.statuses s
           ON s.tags @> ARRAY[n.name] AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
          AND s.visibility IN ('public', 'unlisted')
          AND s.created_at >= d.day AT TIME ZONE 'UTC' AND s.created_at < (d.day + interval '1 day') AT TIME ZONE 'UTC'
        GROUP BY n.name, d.day
        ORDER BY d.day DESC`,
      [names, HISTORY_DAYS],
    );
    const history = new Map<string, TagRecord['history']>();
    for (const row of rows) {
      const days = history.get(row.name) ?? [];
      days.push({ day: Number(row.day), uses: row.uses, accounts: row.accounts });
      history.set(row.name, days);
    }
    return history;
  }
}
