import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { HOME_FEED_SIZE } from '@mammut/contracts';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { feedKey } from '../../apps/timelines/src/home/home-feeds';
import type { FollowedAuthor } from './seed-fan-out';

/** How long one post may take to reach everyone before what is missing counts as never arriving. */
const TIMEOUT_MS = 30_000;
/** Feeds written per pipeline by the raw reference, as the system pages followers. */
const RAW_BATCH = 1000;

export interface FanOutResult {
  readonly followers: number;
  readonly streams: number;
  /** Per follower and measured post: ms from sending the POST until the status was in its home feed. */
  readonly feeds: number[];
  /** Per sampled stream and measured post: ms from sending the POST until the `update` arrived. */
  readonly streamed: number[];
  /** Measured posts whose status some feed or stream never got: wrong answers. */
  readonly missingFeeds: number;
  readonly missingStreams: number;
  /** ms until each measured POST was answered. */
  readonly answered: number[];
  /** ms the load generator takes to ZADD and trim as many (empty) feeds itself, pipelined by 1,000. */
  readonly rawMs: number;
  /** A POST that was not answered 200 (the run is then void). */
  readonly error?: string;
}

interface Arrival {
  readonly statusId: string;
  readonly at: number;
}

/** Opens a user stream with the token, resolving once the upgrade is done. */
function openStream(origin: string, token: string, arrivals: Arrival[]): Promise<WebSocket> {
  const socket = new WebSocket(`${origin.replace(/^http/, 'ws')}/api/v1/streaming?stream=user`, {
    headers: { authorization: `Bearer ${token}` },
  });
  socket.on('message', (data: Buffer) => {
    const at = performance.now();
    try {
      const message = JSON.parse(data.toString('utf8')) as { event?: string; payload?: string };
      if (message.event === 'update' && message.payload)
        arrivals.push({ statusId: (JSON.parse(message.payload) as { id: string }).id, at });
    } catch {
      // Not an update of ours: what the stream must deliver is counted, the rest is ignored.
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new Error(`streaming answered ${response.statusCode}`)),
    );
  });
}

/**
 * Fan-out as a follower sees it: the author posts, and for every follower the time from sending
 * the POST until the status is in its home feed, and for a sample of followers with an open user
 * stream until the `update` arrives on it.
 *
 * Feed writes are observed through Redis keyspace notifications (`zadd` on `feed:home:<id>`,
 * switched on for the scenario only) rather than by polling: polling 10,000 keys every few
 * milliseconds would load the system's own Redis, on the system's core, with the bench's work.
 * Nothing else writes those feeds meanwhile, so a follower's first `zadd` after the POST is the
 * post arriving; at the end every feed is checked (ZSCORE) to hold every measured status, and one
 * missing is a wrong answer. One unmeasured post first warms the path.
 */
export async function measureFanOut(
  origin: string,
  redisUrl: string,
  fixture: FollowedAuthor,
  posts: number,
): Promise<FanOutResult> {
  const redis = new Redis(redisUrl);
  const subscriber = new Redis(redisUrl);
  const followers = new Set(fixture.followerIds);
  const arrivals: Arrival[] = [];
  const sockets: WebSocket[] = [];
  const [, previous] = (await redis.config('GET', 'notify-keyspace-events')) as [string, string];
  try {
    const rawMs = await rawFanOut(redis, fixture.followerIds);
    for (let i = 0; i < fixture.sample.length; i += 50) {
      const batch = fixture.sample.slice(i, i + 50);
      sockets.push(...(await Promise.all(batch.map(({ token }) => openStream(origin, token, arrivals)))));
    }
    await redis.config('SET', 'notify-keyspace-events', 'Kz');
    let feedAt = new Map<string, number>();
    let t0 = 0;
    subscriber.on('pmessage', (_pattern: string, channel: string, event: string) => {
      if (event !== 'zadd') return;
      const accountId = /feed:home:(\d+)$/.exec(channel)?.[1];
      if (accountId && followers.has(accountId) && !feedAt.has(accountId))
        feedAt.set(accountId, performance.now() - t0);
    });
    await subscriber.psubscribe(`__keyspace@*__:${feedKey.home('*')}`);
    // The streams subscribe on NATS as they open: give the subscriptions a moment to land.
    await sleep(500);

    const feeds: number[] = [];
    const streamed: number[] = [];
    const answered: number[] = [];
    const measured: string[] = [];
    let missingStreams = 0;
    for (let run = 0; run <= posts; run += 1) {
      feedAt = new Map();
      arrivals.length = 0;
      t0 = performance.now();
      const response = await fetch(`${origin}/api/v1/statuses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${fixture.author.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ status: `Fan-out ${run} at ${Date.now()}`, visibility: 'public' }),
      });
      const postMs = performance.now() - t0;
      if (response.status !== 200) {
        return {
          ...empty(fixture, rawMs),
          error: `POST /api/v1/statuses answered ${response.status}`,
        };
      }
      const { id } = (await response.json()) as { id: string };
      const streamedHere = (): Arrival[] => arrivals.filter((arrival) => arrival.statusId === id);
      const deadline = t0 + TIMEOUT_MS;
      while (
        (feedAt.size < followers.size || streamedHere().length < sockets.length) &&
        performance.now() < deadline
      )
        await sleep(20);
      // The first post warms the path; the ones after it are measured.
      if (run === 0) continue;
      measured.push(id);
      answered.push(postMs);
      feeds.push(...feedAt.values());
      const got = streamedHere();
      streamed.push(...got.map((arrival) => arrival.at - t0));
      missingStreams += sockets.length - got.length;
      await sleep(200);
    }
    return {
      followers: followers.size,
      streams: sockets.length,
      feeds,
      streamed,
      missingFeeds: await missingFromFeeds(redis, fixture.followerIds, measured),
      missingStreams,
      answered,
      rawMs,
    };
  } finally {
    for (const socket of sockets) socket.close();
    await redis.config('SET', 'notify-keyspace-events', previous);
    subscriber.disconnect();
    redis.disconnect();
  }
}

function empty(fixture: FollowedAuthor, rawMs: number): FanOutResult {
  const none = { feeds: [], streamed: [], answered: [], missingFeeds: 0, missingStreams: 0 };
  return { followers: fixture.followerIds.length, streams: fixture.sample.length, rawMs, ...none };
}

/** Feed entries (follower × status) that the feeds do not hold. */
async function missingFromFeeds(redis: Redis, followerIds: string[], statusIds: string[]): Promise<number> {
  const pipeline = redis.pipeline();
  for (const accountId of followerIds)
    for (const statusId of statusIds) pipeline.zscore(feedKey.home(accountId), statusId.padStart(20, '0'));
  const results = (await pipeline.exec()) ?? [];
  return results.filter(([error, score]) => error || score === null).length;
}

/**
 * The reference: the same number of feeds written by the load generator itself with ZADD and the
 * trim, a pipeline per 1,000 feeds one after another, on keys of its own (then dropped).
 */
async function rawFanOut(redis: Redis, followerIds: string[]): Promise<number> {
  const key = (id: string): string => `bench:raw-feed:${id}`;
  const member = '1'.padStart(20, '0');
  const started = performance.now();
  for (let i = 0; i < followerIds.length; i += RAW_BATCH) {
    const pipeline = redis.pipeline();
    for (const id of followerIds.slice(i, i + RAW_BATCH)) {
      pipeline.zadd(key(id), 0, member);
      pipeline.zremrangebyrank(key(id), 0, -HOME_FEED_SIZE - 1);
    }
    await pipeline.exec();
  }
  const ms = performance.now() - started;
  for (let i = 0; i < followerIds.length; i += RAW_BATCH)
    await redis.del(...followerIds.slice(i, i + RAW_BATCH).map(key));
  return ms;
}
