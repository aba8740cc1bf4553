import { Inject, Injectable } from '@nestjs/common';
import {
  type contracts,
  notFound,
  type PageRequest,
  type RemoteEmoji,
  type RequestOf,
  type StatusEditRecord,
  type StatusRecord,
} from '@mammut/contracts';
import { pageSql, type ReadEntry, ReadThrough } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { StatusRecordsCache } from './status-cache';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord, WITH_MEDIA } from './status-row';

type AuthorStatuses = RequestOf<typeof contracts.statuses.statuses.listAuthorStatuses>;
type StatusList = { statuses: StatusRecord[]; reblogged: StatusRecord[] };

interface EditRow {
  account_id: string;
  text: string;
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  poll_options: string[] | null;
  created_at: Date;
  emojis: RemoteEmoji[];
  media_ids: string[];
}

const toEditRecord = (row: EditRow): StatusEditRecord => ({
  accountId: row.account_id,
  text: row.text,
  content: row.content,
  spoilerText: row.spoiler_text,
  sensitive: row.sensitive,
  pollOptions: row.poll_options,
  createdAt: row.created_at.toISOString(),
  emojis: row.emojis,
  mediaIds: row.media_ids,
});

/** The uri Mastodon gives the status whose page is `url` (`…/@user/<id>`), if it is such a page. */
function uriOfPage(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  const page = /^\/@([a-z0-9_]+)\/(\d{1,20})$/i.exec(parsed.pathname);
  return page ? `${parsed.origin}/users/${page[1]}/statuses/${page[2]}` : null;
}

/** Reads of statuses; deleted statuses are never returned. */
@Injectable()
export class StatusesQueries {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    private readonly cache: StatusRecordsCache,
  ) {
    this.records = new ReadThrough(this.cache, (ids) => this.readRecords(ids));
  }

  /**
   * The statuses with these ids, in the order asked, and the ids that are missing or deleted;
   * with the statuses the reblogs among them share.
   */
  async byIds(ids: string[]): Promise<StatusList & { missing: string[] }> {
    const { statuses, missing } = await this.rows(ids);
    return { statuses, missing, reblogged: await this.rebloggedBy(statuses) };
  }

  /**
   * The statuses these URLs name: by uri, or by a Mastodon page URL (`/@user/<id>`) together with
   * the uri it implies (Mastodon's guess in ResolveURLService: pages are not indexed).
   */
  async byUrls(urls: string[]): Promise<StatusList> {
    const pairs = urls.flatMap((url) => {
      const guessed = uriOfPage(url);
      return [{ uri: url, url: null }, ...(guessed ? [{ uri: guessed, url }] : [])];
    });
    if (!pairs.length) return { statuses: [], reblogged: [] };
    const rows: { id: string }[] = await this.db.query(
      `SELECT DISTINCT s.id FROM statuses.statuses s
         JOIN unnest($1::text[], $2::text[]) AS q(uri, url) ON s.uri = q.uri AND (q.url IS NULL OR s.url = q.url)
        WHERE s.deleted_at IS NULL
        ORDER BY s.id`,
      [pairs.map((pair) => pair.uri), pairs.map((pair) => pair.url)],
    );
    return this.withReblogged((await this.rows(rows.map((row) => row.id))).statuses);
  }

  /** The statuses, with the ones the reblogs among them share. */
  async withReblogged(statuses: StatusRecord[]): Promise<StatusList> {
    return { statuses, reblogged: await this.rebloggedBy(statuses) };
  }

  private async rebloggedBy(statuses: StatusRecord[]): Promise<StatusRecord[]> {
    const shared = statuses.flatMap((status) => status.reblogOfId ?? []);
    return shared.length ? (await this.rows(shared)).statuses : [];
  }

  /** Statuses by id through their cache; misses read together (ReadThrough). */
  private readonly records: ReadThrough<StatusRecord>;

  /** By id, from the cache where it holds them (StatusRecordsCache), the rest from PostgreSQL. */
  private async rows(ids: string[]): Promise<{ statuses: StatusRecord[]; missing: string[] }> {
    const unique = [...new Set(ids)];
    const found = await this.records.getMany(unique);
    return {
      statuses: unique.flatMap((id) => found.get(id) ?? []),
      missing: unique.filter((id) => !found.has(id)),
    };
  }

  async statistics(weekStarts: string[]): Promise<{ localPosts: number; weeks: number[] }> {
    const total: Promise<{ posts: number }[]> = this.db.query(
      `SELECT count(*)::int AS posts FROM statuses.statuses
        WHERE local AND deleted_at IS NULL AND visibility <> 'direct'`,
    );
    const perWeek: Promise<{ posted: number }[]> = this.db.query(
      `SELECT (SELECT count(*)::int FROM statuses.statuses s
                WHERE s.local AND s.reblog_of_id IS NULL
                  AND s.created_at >= w.start AND s.created_at < w.start + interval '7 days') AS posted
         FROM unnest($1::timestamptz[]) WITH ORDINALITY AS w(start, n) ORDER BY w.n`,
      [weekStarts],
    );
    const [[{ posts }], weeks] = await Promise.all([total, perWeek]);
    return { localPosts: posts, weeks: weeks.map((week) => week.posted) };
  }

  /**
   * A status's versions, oldest first: those its edits kept (the original among them), or, never
   * edited, the status itself as its one version.
   */
  async edits(statusId: string): Promise<StatusEditRecord[]> {
    const rows: EditRow[] = await this.db.query(
      `SELECT e.account_id, e.text, e.content, e.spoiler_text, e.sensitive, e.poll_options, e.created_at,
              e.emojis, e.media_ids::text[] AS media_ids
         FROM statuses.status_edits e JOIN statuses.statuses s ON s.id = e.status_id AND s.deleted_at IS NULL
        WHERE e.status_id = $1
        ORDER BY e.created_at, e.id`,
      [statusId],
    );
    if (rows.length) return rows.map(toEditRecord);
    const [status]: EditRow[] = await this.db.query(
      `SELECT s.account_id, s.text, s.content, s.spoiler_text, s.sensitive, p.options AS poll_options,
              coalesce(s.edited_at, s.created_at) AS created_at, s.emojis, s.media_ids::text[] AS media_ids
         FROM statuses.statuses s LEFT JOIN statuses.polls p ON p.id = s.poll_id
        WHERE s.id = $1 AND s.deleted_at IS NULL`,
      [statusId],
    );
    if (!status) throw notFound();
    return [toEditRecord(status)];
  }

  /**
   * Public statuses that are no replies to others, newest first (the public timelines): their ids
   * from the index, their records as any page's (mostly from the cache).
   */
  async publicTimeline(local: boolean | null, page: PageRequest, onlyMedia = false): Promise<StatusRecord[]> {
    const p = pageSql('s.id', page, []);
    // Spelled out, so the planner sees the local timeline's own index (statuses_public_local_idx).
    const origin = local === null ? '' : local ? 'AND s.local' : 'AND NOT s.local';
    const media = onlyMedia ? `AND ${WITH_MEDIA}` : '';
    const rows: { id: string }[] = await this.db.query(
      `SELECT s.id FROM statuses.statuses s
        WHERE s.visibility = 'public' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
          AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id) ${origin} ${media}${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    const ids = (p.ascending ? rows.reverse() : rows).map((row) => row.id);
    return (await this.rows(ids)).statuses;
  }

  /** The thread around a status: ancestors oldest first, descendants depth first. */
  async context(
    statusId: string,
    limits: { ancestors: number; descendants: number; depth: number },
  ): Promise<{ ancestors: StatusRecord[]; descendants: StatusRecord[] }> {
    // Ancestors in the order of the thread, as Mastodon walks it, not by id: remote statuses fetched
    // up a thread may share their `published` second, so their ids need not follow the thread.
    const up: { id: string }[] = await this.db.query(
      `WITH RECURSIVE up (id, in_reply_to_id, depth) AS (
         SELECT s.id, s.in_reply_to_id, 0 FROM statuses.statuses s WHERE s.id = $1
         UNION ALL
         SELECT p.id, p.in_reply_to_id, up.depth + 1
           FROM statuses.statuses p JOIN up ON p.id = up.in_reply_to_id
          WHERE p.deleted_at IS NULL AND up.depth < $2)
       SELECT id FROM up WHERE id <> $1 ORDER BY depth DESC LIMIT $2`,
      [statusId, limits.ancestors],
    );
    const down: { id: string }[] = await this.db.query(
      // Depth first, as Mastodon lists a thread: each reply followed by the replies to it.
      `WITH RECURSIVE down (id, depth, path) AS (
         SELECT s.id, 0, ARRAY[s.id] FROM statuses.statuses s WHERE s.id = $1
         UNION ALL
         SELECT c.id, down.depth + 1, down.path || c.id
           FROM statuses.statuses c JOIN down ON c.in_reply_to_id = down.id
          WHERE c.deleted_at IS NULL AND down.depth < $2)
       SELECT id FROM down WHERE id <> $1 ORDER BY path LIMIT $3`,
      [statusId, limits.depth, limits.descendants],
    );
    const [ancestors, descendants] = await Promise.all([
      this.rows(up.map((row) => row.id)),
      this.rows(down.map((row) => row.id)),
    ]);
    return { ancestors: ancestors.statuses, descendants: descendants.statuses };
  }

  /** One author's statuses, newest first, in the visibilities given or mentioning the viewer. */
  async byAuthor(request: AuthorStatuses): Promise<StatusRecord[]> {
    if (request.pinned) return this.pinnedBy(request);
    const p = pageSql('s.id', request.page, [
      request.accountId,
      request.visibilities,
      request.mentioning,
      request.excludeReplies,
      request.tagged,
      request.excludeReblogs ?? false,
      request.onlyMedia ?? false,
    ]);
    const rows: StatusRow[] = await this.db.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.account_id = $1 AND s.deleted_at IS NULL
          AND (s.visibility = ANY($2::text[])
               OR ($3::bigint IS NOT NULL AND EXISTS (
                 SELECT 1 FROM statuses.mentions m WHERE m.status_id = s.id AND m.account_id = $3::bigint)))
          AND ($4::boolean = false OR s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)
          AND ($5::text IS NULL OR $5::text = ANY(s.tags))
          AND ($6::boolean = false OR s.reblog_of_id IS NULL)
          AND ($7::boolean = false OR ${WITH_MEDIA})${p.where}
        ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map(toStatusRecord);
  }

  /**
   * The newest statuses of several authors together, newest first: each author's own newest
   * through the (account_id, id DESC) index, cut to `limit` per author and then in all, so a
   * batch reads at most `limit` index entries per author, fewer above `sinceId`.
   */
  async byAuthors(
    request: RequestOf<typeof contracts.statuses.statuses.listStatusesByAuthors>,
  ): Promise<{ id: string; accountId: string; reblogOfId: string | null }[]> {
    if (!request.accountIds.length) return [];
    const rows: { id: string; account_id: string; reblog_of_id: string | null }[] = await this.db.query(
      `SELECT s.id, s.account_id, s.reblog_of_id
         FROM unnest($1::bigint[]) AS author(id)
        CROSS JOIN LATERAL (
          SELECT s.id, s.account_id, s.reblog_of_id FROM statuses.statuses s
           WHERE s.account_id = author.id AND s.deleted_at IS NULL
             AND ($4::bigint IS NULL OR s.id > $4::bigint)
             AND (s.visibility = ANY($2::text[])
                  OR ($3::bigint IS NOT NULL AND EXISTS (
                    SELECT 1 FROM statuses.mentions m WHERE m.status_id = s.id AND m.account_id = $3::bigint)))
             AND (s.reblog_of_id IS NULL OR NOT (author.id = ANY($6::bigint[])))
           ORDER BY s.id DESC LIMIT $5) s
        ORDER BY s.id DESC LIMIT $5`,
      [
        [...new Set(request.accountIds)],
        request.visibilities,
        request.mentioning,
        request.sinceId,
        request.limit,
        request.withoutReblogsBy,
      ],
    );
    return rows.map((row) => ({ id: row.id, accountId: row.account_id, reblogOfId: row.reblog_of_id }));
  }

  /**
   * The author's pinned statuses the viewer may list, most recently pinned first. There are at
   * most a few: one page, whatever the cursors say.
   */
  private async pinnedBy(request: AuthorStatuses): Promise<StatusRecord[]> {
    const { maxId, sinceId, minId } = request.page;
    if (maxId ?? sinceId ?? minId) return [];
    const rows: StatusRow[] = await this.db.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.status_pins pin
         JOIN statuses.statuses s ON s.id = pin.status_id AND s.deleted_at IS NULL
        WHERE pin.account_id = $1 AND s.visibility = ANY($2::text[])
        ORDER BY pin.id DESC LIMIT $3`,
      [request.accountId, request.visibilities, request.page.limit],
    );
    return rows.map(toStatusRecord);
  }

  private async readRecords(ids: string[]): Promise<ReadEntry<StatusRecord>[]> {
    const rows: StatusRow[] = await this.db.query(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.id = ANY($1::bigint[]) AND s.deleted_at IS NULL`,
      [ids],
    );
    return rows.map((row) => ({ key: row.id, value: toStatusRecord(row), tags: [`s:${row.id}`] }));
  }
}
