import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { feedKey, WHOLE_FEED_MARK } from '../../apps/timelines/src/home/home-feeds';
import { STATUS_COLUMNS } from '../../apps/statuses/src/statuses/status-row';
import { MEDIA_COLUMNS } from '../../apps/media/src/attachments/media-attachments';

const PAGE = 40;
/** A page of search results (Mastodon's default). */
const SEARCH_PAGE = 20;

/**
 * The baselines, on the same core as the system:
 * - `/bare`: a bare Fastify route answering a small JSON object (what a framework costs);
 * - `/bare-json`: a bare Fastify route that parses an activity's JSON body and answers 202 (what
 *   an inbox costs before any signature, rule or storage);
 * - `/raw/home/:accountId`: a page of a home feed the way the system stores it, with nothing but
 *   ioredis and pg: 40 ids by ZREVRANGEBYLEX from the feed's sorted set (as home-feeds.ts pages
 *   it), then their rows by primary key with the columns the statuses service selects, as JSON;
 *   `?media=1` also reads the attachments the rows name, by primary key with the columns the media
 *   service selects, each row's under `media`;
 * - `/raw/public-local`: 40 rows of the local public timeline by the statuses service's own query
 *   (the `statuses_public_idx` index), as JSON;
 * - `/raw/search?q=`: a search's words (its operators and quotes left out) matched through `simple`
 *   on the search service's own table and index, newest first as its PostgreSQL backend walks them,
 *   among the statuses everyone may find, then the 20 rows found, as JSON: the floor of a search,
 *   one full-text query and one read.
 * No authentication, no rules, no presenting: the floor the system's reads stand on. The pool has
 * the size of one service's (10).
 */
async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const pg = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  // What an inbox costs at the least: the activity's JSON parsed, 202.
  app.addContentTypeParser('application/activity+json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.post('/bare-json', async (_request, reply) => reply.status(202).send());
  app.get('/bare', () => Promise.resolve({ id: '1', username: 'bench', acct: 'bench', display_name: '' }));
  app.get<{ Params: { accountId: string }; Querystring: { media?: string } }>(
    '/raw/home/:accountId',
    async (request) => {
      const members = await redis.zrevrangebylex(
        feedKey.home(request.params.accountId),
        // Below the mark a whole feed carries, as the system pages it.
        `(${WHOLE_FEED_MARK}`,
        '-',
        'LIMIT',
        0,
        PAGE,
      );
      const ids = members.map((member) => member.replace(/^0+(?=\d)/, ''));
      const { rows } = await pg.query<{ id: string; media_ids: string[] }>(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = ANY($1::bigint[]) AND s.deleted_at IS NULL`,
        [ids],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      const page = ids.flatMap((id) => byId.get(id) ?? []);
      if (request.query.media !== '1') return page;
      const { rows: media } = await pg.query<{ id: string }>(
        `SELECT ${MEDIA_COLUMNS} FROM media.media_attachments WHERE id = ANY($1::bigint[])`,
        [page.flatMap((row) => row.media_ids)],
      );
      const attachments = new Map(media.map((row) => [row.id, row]));
      return page.map((row) => ({ ...row, media: row.media_ids.flatMap((id) => attachments.get(id) ?? []) }));
    },
  );
  app.get('/raw/public-local', async () => {
    const { rows } = await pg.query<{ id: string }>(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
        WHERE s.visibility = 'public' AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
          AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id) AND s.local = $1
        ORDER BY s.id DESC LIMIT ${PAGE}`,
      [true],
    );
    return rows;
  });
  app.get<{ Querystring: { q?: string } }>('/raw/search', async (request) => {
    const words = (request.query.q ?? '')
      .replace(/"/g, '')
      .split(/\s+/)
      .filter((word) => word && !word.includes(':'))
      .join(' ');
    const { rows: found } = await pg.query<{ id: string }>(
      `SELECT s.id FROM search.status_terms s
        WHERE s.everyone AND NOT s.hidden AND s.tsv @@ plainto_tsquery('simple', $1)
        ORDER BY s.id DESC LIMIT ${SEARCH_PAGE}`,
      [words],
    );
    const ids = found.map((row) => row.id);
    const { rows } = await pg.query<{ id: string }>(
      `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s WHERE s.id = ANY($1::bigint[]) AND s.deleted_at IS NULL`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  });
  await app.listen({ port: Number(process.argv[2] ?? 0), host: '127.0.0.1' });
  process.stdout.write('ready\n');
}

void main();
