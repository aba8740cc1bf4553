import { HOME_FEED_SIZE } from '@mammut/contracts';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { HomeFeeds } from '../../apps/timelines/src/home/home-feeds';
import { insertFollows, insertLocalAccounts } from './seed-accounts';
import { attachMedia } from './seed-media';

/** Accounts the viewer follows, each posting in turn, newest first. */
const AUTHORS = 2000;
const STATUSES_PER_AUTHOR = 5;
/** Remote statuses interleaved with the local ones, so `local=true` has something to leave out. */
const REMOTE_AUTHORS = 100;
const STATUSES_PER_REMOTE_AUTHOR = 10;
const PAGE = 40;
/** About what a status says on average: the size of the rows and of the JSON matters. */
const FILLER =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam.';

/** What the timeline scenarios must answer, to tell a real answer from a wrong one. */
export interface TimelineFixture {
  /** The first page of the viewer's home timeline, newest first. */
  readonly homePage: string[];
  /** The first page of the local public timeline, newest first. */
  readonly publicLocalPage: string[];
  /** Attachments on the statuses of the home page. */
  readonly homePageMedia: number;
}

export interface TimelineOptions {
  /** The authors' usernames are `<prefix><n>`. */
  readonly prefix?: string;
  /** Whether remote accounts post between the local ones (for the public timeline). */
  readonly remote?: boolean;
  /** How many days back the newest status is: a second set stays out of the first one's pages. */
  readonly daysAgo?: number;
  /** Every `mediaEvery`-th status carries 1 to 4 image attachments (none when unset). */
  readonly mediaEvery?: number;
}

/**
 * The viewer follows 2,000 local accounts that posted 10,000 statuses over the past week (one a
 * minute, the authors in turn; a tenth private, a tenth unlisted), between which 100 remote
 * accounts posted 1,000 public ones. The viewer's home feed holds the newest HOME_FEED_SIZE (800)
 * of its followees' statuses, written by the timelines service's own feed store (the ZADD and trim
 * fan-out does), as fan-out would have left it.
 *
 * With options, another such set (`home-media`'s): other authors, older, without the remote
 * accounts, every few statuses carrying processed images (seed-media.ts).
 *
 * Rows go straight to the database, as the other seeders write theirs: posting 10,000 statuses
 * through the API would take minutes of the bench's budget and measure nothing.
 */
export async function seedTimelines(
  databaseUrl: string,
  redisUrl: string,
  origin: string,
  viewerId: string,
  options: TimelineOptions = {},
): Promise<TimelineFixture> {
  const { prefix = 'author', remote = true, daysAgo = 0, mediaEvery } = options;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  let feed: string[];
  let publicLocalPage: string[];
  let homePageMedia: number;
  try {
    await client.query('BEGIN');
    const authorNames = Array.from({ length: AUTHORS }, (_, i) => `${prefix}${i}`);
    const authorIds = await insertLocalAccounts(client, origin, authorNames, { users: true });
    await insertFollows(
      client,
      authorIds.map((id) => [viewerId, id]),
    );
    await client.query(
      `WITH author AS (
         SELECT id, username, ord - 1 AS ord FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS a(id, username, ord)),
       planned AS (
         SELECT k, now() - $7::int * interval '1 day' - k * interval '1 minute' AS at,
                CASE k % 10 WHEN 3 THEN 'private' WHEN 7 THEN 'unlisted' ELSE 'public' END AS visibility
           FROM generate_series(0, $4::int - 1) AS k),
       minted AS (
         SELECT statuses.timestamp_id('statuses', p.at) AS id, p.k, p.at, p.visibility, a.id AS account_id, a.username
           FROM planned p JOIN author a ON a.ord = p.k % $5::int)
       INSERT INTO statuses.statuses (id, uri, url, account_id, local, text, content, visibility, language, created_at, updated_at)
       SELECT id, $3 || '/users/' || username || '/statuses/' || id, $3 || '/@' || username || '/' || id, account_id, true,
              'Status ' || k || ' by ' || username || '. ' || $6, '<p>Status ' || k || ' by ' || username || '. ' || $6 || '</p>',
              visibility, 'en', at, at
         FROM minted`,
      [authorIds, authorNames, origin, AUTHORS * STATUSES_PER_AUTHOR, AUTHORS, FILLER, daysAgo],
    );
    if (mediaEvery) {
      const { rows } = await client.query<{ id: string }>(
        `SELECT id::text FROM statuses.statuses WHERE account_id = ANY($1::bigint[]) ORDER BY id DESC`,
        [authorIds],
      );
      const chosen = rows.filter((_, i) => i % mediaEvery === 0).map((row) => row.id);
      await attachMedia(
        client,
        chosen,
        chosen.map((_, i) => 1 + (i % 4)),
      );
    }
    if (remote) await seedRemoteStatuses(client);
    await client.query('COMMIT');
    const ids = async (sql: string, params: unknown[]): Promise<string[]> =>
      (await client.query<{ id: string }>(sql, params)).rows.map((row) => row.id);
    feed = await ids(
      `SELECT id::text FROM statuses.statuses WHERE account_id = ANY($1::bigint[]) ORDER BY id DESC LIMIT $2`,
      [authorIds, HOME_FEED_SIZE],
    );
    const { rows: counted } = await client.query<{ count: string }>(
      `SELECT count(*) FROM media.media_attachments WHERE status_id = ANY($1::bigint[])`,
      [feed.slice(0, PAGE)],
    );
    homePageMedia = Number(counted[0].count);
    publicLocalPage = await ids(
      `SELECT id::text FROM statuses.statuses
        WHERE local AND visibility = 'public' AND reblog_of_id IS NULL AND in_reply_to_id IS NULL
        ORDER BY id DESC LIMIT $1`,
      [PAGE],
    );
  } finally {
    await client.end();
  }
  const redis = new Redis(redisUrl, { lazyConnect: true });
  try {
    await redis.connect();
    // Filled as a rebuild fills it, marked whole: the system answers from it without rebuilding.
    await new HomeFeeds(redis).fill(
      viewerId,
      feed.map((id) => ({ id, reblogOfId: null })),
    );
  } finally {
    redis.disconnect();
  }
  return { homePage: feed.slice(0, PAGE), publicLocalPage, homePageMedia };
}

/** 100 remote accounts' 1,000 public statuses, between the local ones (in the caller's transaction). */
async function seedRemoteStatuses(client: Client): Promise<void> {
  const remoteNames = Array.from({ length: REMOTE_AUTHORS }, (_, i) => `remote${i}`);
  const { rows: remote } = await client.query<{ id: string; username: string }>(
    `INSERT INTO accounts.accounts (username, domain, uri, url, actor_type, inbox_url)
     SELECT name, 'remote.example', 'https://remote.example/users/' || name, 'https://remote.example/@' || name,
            'Person', 'https://remote.example/users/' || name || '/inbox'
       FROM unnest($1::text[]) AS name
     RETURNING id::text, username`,
    [remoteNames],
  );
  await client.query(
    `WITH author AS (
       SELECT id, username, ord - 1 AS ord FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS a(id, username, ord)),
     minted AS (
       SELECT statuses.timestamp_id('statuses', now() - k * interval '10 minutes' - interval '30 seconds') AS id,
              k, now() - k * interval '10 minutes' - interval '30 seconds' AS at, a.id AS account_id, a.username
         FROM generate_series(0, $3::int - 1) AS k JOIN author a ON a.ord = k % $4::int)
     INSERT INTO statuses.statuses (id, uri, url, account_id, local, text, content, visibility, language, created_at, updated_at)
     SELECT id, 'https://remote.example/users/' || username || '/statuses/' || k, 'https://remote.example/@' || username || '/' || k,
            account_id, false, '', '<p>Remote status ' || k || '. ' || $5 || '</p>', 'public', 'en', at, at
       FROM minted`,
    [
      remote.map((row) => row.id),
      remote.map((row) => row.username),
      REMOTE_AUTHORS * STATUSES_PER_REMOTE_AUTHOR,
      REMOTE_AUTHORS,
      FILLER,
    ],
  );
}
