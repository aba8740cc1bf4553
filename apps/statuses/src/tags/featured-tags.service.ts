import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  FEATURED_TAGS_LIMIT,
  type FeaturedTagRecord,
  notFound,
  type TagRecord,
} from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { Tags } from './tags.service';

/** Statuses looked at for suggestions, and how many hashtags are suggested (Mastodon: 10). */
const SUGGEST_FROM = 200;
const SUGGESTIONS = 10;

/**
 * Featured hashtags, as Mastodon keeps them: a few hashtags on a profile, each with the number of
 * the account's public and unlisted statuses that use it and the day of the last one, counted
 * from the statuses themselves when read (the account's statuses by the `(account_id, id)` index).
 */
@Injectable()
export class FeaturedTags {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    private readonly tags: Tags,
  ) {}

  async list(accountId: string): Promise<FeaturedTagRecord[]> {
    const rows: { id: string; name: string; count: number; last: Date | null }[] = await this.db.query(
      `SELECT f.id, t.name, u.count, u.last
         FROM statuses.featured_tags f JOIN statuses.tags t ON t.id = f.tag_id
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS count, max(s.created_at) AS last FROM statuses.statuses s
           WHERE s.account_id = f.account_id AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
             AND s.visibility IN ('public', 'unlisted') AND t.name = ANY(s.tags)) u
        WHERE f.account_id = $1
        ORDER BY f.id`,
      [accountId],
    );
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      statusesCount: row.count,
      lastStatusAt: row.last?.toISOString() ?? null,
    }));
  }

  async feature(accountId: string, name: string): Promise<FeaturedTagRecord> {
    const id = await this.db.transaction(async (tx) => {
      // One account's features are counted and added one request at a time.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('featured_tags'), hashtext($1))`, [accountId]);
      const [{ count, taken }]: { count: number; taken: boolean }[] = await tx.query(
        `SELECT count(*)::int AS count, bool_or(t.name = $2) IS TRUE AS taken
           FROM statuses.featured_tags f JOIN statuses.tags t ON t.id = f.tag_id WHERE f.account_id = $1`,
        [accountId, name],
      );
      if (taken) throw new ContractError('unprocessable', 'Validation failed: Tag has already been taken');
      if (count >= FEATURED_TAGS_LIMIT)
        throw new ContractError(
          'unprocessable',
          `Validation failed: You cannot feature more than ${FEATURED_TAGS_LIMIT} hashtags`,
        );
      const [row]: { id: string }[] = await tx.query(
        `WITH tag AS (
           INSERT INTO statuses.tags (name) VALUES ($2)
           ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id),
         featured AS (
           INSERT INTO statuses.featured_tags (account_id, tag_id) SELECT $1, id FROM tag RETURNING id)
         SELECT id FROM featured`,
        [accountId, name],
      );
      return row.id;
    });
    const featured = (await this.list(accountId)).find((tag) => tag.id === id);
    if (!featured) throw notFound();
    return featured;
  }

  async unfeature(accountId: string, featuredTagId: string): Promise<Record<string, never>> {
    const [removed]: { id: string }[] = await this.db.query(
      `WITH removed AS (DELETE FROM statuses.featured_tags WHERE id = $1 AND account_id = $2 RETURNING id)
       SELECT id FROM removed`,
      [featuredTagId, accountId],
    );
    if (!removed) throw notFound();
    return {};
  }

  async suggestions(accountId: string): Promise<TagRecord[]> {
    const rows: { name: string }[] = await this.db.query(
      `SELECT name FROM (
         SELECT unnest(s.tags) AS name FROM statuses.statuses s
          WHERE s.account_id = $1 AND s.deleted_at IS NULL
          ORDER BY s.id DESC LIMIT $2) used
        WHERE name NOT IN (
          SELECT t.name FROM statuses.featured_tags f JOIN statuses.tags t ON t.id = f.tag_id WHERE f.account_id = $1)
        GROUP BY name ORDER BY count(*) DESC, name LIMIT $3`,
      [accountId, SUGGEST_FROM, SUGGESTIONS],
    );
    return rows.length
      ? this.tags.get(
          rows.map((row) => row.name),
          accountId,
        )
      : [];
  }
}
