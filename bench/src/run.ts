import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ensureInfra, loadConfig } from '@mammut/platform';
import { cloneTemplateDatabase, recreateTemplate } from '@mammut/testing';
import { migrateAll } from '../../apps/all-in-one/src/system';
import { deploySearchIndex } from '../../apps/search/src/elasticsearch/search-deploy';
import { checkInbound, checkPage, checkPost, checkRelationships, checkSearch } from './checks';
import { type FanOutResult, measureFanOut } from './fan-out';
import { drained, loadEach, seedRemoteAuthors, seedRemoteFollowers, signCreates, Sink } from './federation';
import {
  type Figure,
  load,
  type LoadRequest,
  perRequest,
  type RoundTrips,
  UNIQUE,
  urlsOf,
  warmUntilSteady,
} from './load';
import { type OpenSearchNode, startOpenSearch, stopOpenSearch } from './opensearch';
import { makePhoto } from './photo';
import {
  cpuByCommand,
  cpuDelta,
  hasTaskset,
  pin,
  pinServers,
  roles,
  startChild,
  stopChild,
} from './processes';
import { insertLocalAccounts, issueTokens, recountAccounts } from './seed-accounts';
import { seedFollowedAuthor } from './seed-fan-out';
import { seedRelationships } from './seed-relationships';
import { type SearchFixture, seedSearch } from './seed-search';
import { seedTimelines } from './seed-timelines';
import { seedViewer } from './seed-viewer';
import { checkUpload, measureUploads, type UploadFigures } from './uploads';

/**
 * Load against the all-in-one process, each figure printed as a ratio to baselines measured in the
 * same run: a bare Fastify route, and for the timelines the same read done raw (ioredis and pg in
 * that bare server, no framework, no rules). The system, its PostgreSQL, Redis and NATS, and the
 * bare server run on CPU 0, the load generator on CPU 1 (when taskset exists), as one machine
 * serving and another asking; the CPU seconds each process used are printed with every figure.
 * Performance is reported (PASS/MISS per target), never gated: the exit code is non-zero only
 * when an answer was wrong (non-2xx, wrong shape, a follower the fan-out missed).
 *
 * Scenarios (BENCH_ONLY names one or several, comma-separated; the default is all):
 * - `verify`: GET verify_credentials; ≥ 0.40× bare, p99 ≤ 4× bare p99.
 * - `relationships`: GET relationships for 40 ids with every kind of relation; ≥ 0.15× bare.
 * - `home`: GET /api/v1/timelines/home?limit=40 for a viewer following 2,000 accounts, its feed
 *   full (800); ≥ 0.5× the raw read (ZREVRANGEBYLEX of 40 ids, their rows by id), ≥ 0.07× bare,
 *   p99 ≤ 10× bare p99.
 * - `home-media`: the same for another viewer whose followees' statuses carry images (one in
 *   three, 1 to 4 each: 33 attachments on the first page), against the raw read of the page with
 *   its attachments' rows; the same targets, its ratio printed next to `home`'s.
 * - `public`: GET /api/v1/timelines/public?local=true&limit=40, anonymous, among remote statuses;
 *   the same targets against the raw read of 40 rows by the statuses service's query.
 * - `search`: GET /api/v2/search?type=statuses over 100,000 indexed statuses (seeded into the
 *   search service's tables), the queries in turn: a common word, two common words, a rarer word,
 *   a phrase, `from:` with a word, `has:media` with a word, by 10 connections (not 50: each costs
 *   hundreds of bare requests); ≥ 0.03× bare, p99 ≤ 10× bare p99. Printed beside it, with no
 *   target: its ratio to the raw search (the same words through `simple` on the same table and
 *   index, and the 20 rows found, by pg in the bare server, as many connections). On PostgreSQL,
 *   then on Elasticsearch: after every other scenario, an OpenSearch node (Java, jars as `npm test`
 *   fetches them) is started on the system's core, `search deploy` copies the tables into it, the
 *   system is restarted with ELASTICSEARCH_URL and warmed up until its rate stops climbing (the
 *   JVM's compiler); without Java or the jars, or with BENCH_ELASTICSEARCH=0, that half is
 *   skipped, saying why.
 * - `media`: 1600×1200 JPEG uploads (made with sharp) as a client makes them, POST /api/v2/media
 *   then GET /api/v1/media/:id every 25 ms until 200 (processed: both sizes, blurhash, stored), by
 *   BENCH_UPLOADERS clients at once (default 2, the media worker's concurrency), taking 100 users'
 *   tokens in turn (the bench's address is on the throttles' safelist, as loopback is by default;
 *   the users keep each under throttle_api_media's 30 anyway at a few hundred uploads); ≥ 0.5× the
 *   rate of a bare loop doing the same image work with sharp and blurhash in one process on the
 *   system's core, as many files at once as the worker takes, and the p99 of each upload's time
 *   ≤ 3× the bare loop's p99 per file. One measurement whatever BENCH_RUNS.
 * - `fanout`: an account with 10,000 local followers posts; per follower the time until the status
 *   is in its home feed, and for 300 of them with an open user stream until it arrives there;
 *   p50 ≤ 1 s and p99 ≤ 2 s for both.
 * - `posting`: POST /api/v1/statuses, a new text each, by an account with 100 local followers;
 *   ≥ 0.05× bare.
 * - `inbound`: signed public Create{Note} activities from 20 remote accounts the viewer follows,
 *   POSTed to the shared inbox, each new (signed before measuring); ≥ 1,000 activities/s, printed
 *   as a ratio to a bare Fastify route that only parses the same JSON. The system works the
 *   activities off meanwhile (as it would); afterwards the time until every accepted one is a
 *   stored status is printed as the sustained rate (no target), with the CPU it took.
 * - `delivery`: an account with 10,000 remote followers on 500 simulated servers (loopback
 *   addresses 127.0.1.x, one listener each) posts; every server's shared inbox has the Create
 *   within 10 s.
 * The federation scenarios need the system to reach loopback peers over http: with either of
 * them, it runs with NODE_ENV=test and the test-only FEDERATION_* switches (NODE_ENV only gates
 * configuration; request handling is the same).
 *
 * BENCH_SECONDS (default 10) per measurement, BENCH_RUNS (default 1) repetitions of which the
 * median is reported (fan-out: posts measured, after one that warms up), BENCH_PROFILE=1 writes
 * a V8 CPU profile of the system to .data/bench/prof. The system's node runs with the flags of
 * scripts/node-flags.json, as `npm start` and the image run it; BENCH_NODE_ARGS adds more after
 * them (`--max-semi-space-size=128`, say: the last one given wins).
 */
/** The flags every Mammut process runs with (scripts/node-flags.json). */
const NODE_FLAGS = JSON.parse(readFileSync(resolve('scripts/node-flags.json'), 'utf8')) as string[];
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 1));
const PROFILE = process.env.BENCH_PROFILE === '1';
const CONNECTIONS = 50;
const SETTINGS = { connections: CONNECTIONS, duration: DURATION, runs: RUNS };
const KEYS = [
  'verify',
  'relationships',
  'home',
  'home-media',
  'public',
  'search',
  'media',
  'fanout',
  'posting',
  'inbound',
  'delivery',
] as const;
type Key = (typeof KEYS)[number];
const ONLY = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((key) => key.trim())
  .filter(Boolean);
const wants = (key: Key): boolean => !ONLY.length || ONLY.includes(key);
const FOLLOWERS = 10_000;
const STREAMS = 300;
const REMOTE_FOLLOWERS = 10_000;
const REMOTE_SERVERS = 500;
const REMOTE_AUTHORS = 20;
/** Inbound activities signed before measuring: enough for 2 s of warm-up and the runs at ~1,500/s. */
const SIGNED_CREATES = Math.ceil((2 + DURATION * RUNS) * 1500);
const SINK_PORT = 3950;
const OPENSEARCH_PORT = 3960;
/** Uploads in flight at once in the `media` scenario, and files at once in its bare loop. */
const UPLOADERS = Math.max(1, Number(process.env.BENCH_UPLOADERS ?? 2));
/** The media worker's concurrency (process-worker.ts): the bare loop processes as many at once. */
const WORKER_CONCURRENCY = 2;
const UPLOADING_USERS = 100;
/**
 * A search costs hundreds of bare requests: 50 at once would only queue (past the load
 * generator's 10 s timeout on PostgreSQL), so fewer searchers ask at once.
 */
const SEARCH_CONNECTIONS = 10;

interface Target {
  readonly label: string;
  readonly met: boolean;
}

interface Scenario {
  key: Key;
  name: string;
  request: LoadRequest;
  /** The raw read this one is compared with, by name in `raws`. */
  raw?: string;
  targets: (figure: Figure, bare: Figure, raw: Figure | undefined) => Target[];
  /** What was wrong with its answer before any load, or null. */
  wrong: string | null;
  /** Connections kept open by the load generator, when not CONNECTIONS. */
  connections?: number;
}

const ratioTarget = (name: string, figure: Figure, base: Figure, minimum: number): Target => {
  const ratio = figure.rps / base.rps;
  return { label: `≥ ${minimum.toFixed(2)}× ${name} (${ratio.toFixed(3)})`, met: ratio >= minimum };
};

const p99Target = (figure: Figure, bare: Figure, times: number): Target => {
  const ratio = figure.p99 / Math.max(bare.p99, 1);
  return { label: `p99 ≤ ${times}× bare p99 (${ratio.toFixed(1)}×)`, met: ratio <= times };
};

function percentile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

async function main(): Promise<void> {
  const unknown = ONLY.filter((key) => !(KEYS as readonly string[]).includes(key));
  if (unknown.length)
    throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')} (known: ${KEYS.join(', ')})`);
  pin(1, process.pid);
  const infra = await ensureInfra({
    dataDir: '.data/bench',
    fresh: true,
    ephemeral: true,
    log: () => undefined,
  });
  pinServers(0, infra.serverPids);
  const children: ChildProcess[] = [];
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  try {
    const templateUrl = await recreateTemplate(infra);
    await migrateAll({ ...loadConfig({ LOG_LEVEL: 'warn' }), databaseUrl: templateUrl });
    const databaseUrl = await cloneTemplateDatabase({ ...infra, templateDatabase: 'mammut_template' });
    const port = 3900;
    const origin = `http://127.0.0.1:${port}`;

    const seeded: string[] = [];
    const timed = async <T>(what: string, seed: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const result = await seed();
      seeded.push(`${what} ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return result;
    };
    const viewer = await seedViewer(databaseUrl, origin, 'bench');
    const fixture = await timed('relationships', () =>
      seedRelationships(databaseUrl, origin, viewer.accountId),
    );
    const timelines =
      wants('home') || wants('public')
        ? await timed('timelines (2,000 followees, 11,000 statuses, feed of 800)', () =>
            seedTimelines(databaseUrl, infra.redisUrl, origin, viewer.accountId),
          )
        : undefined;
    const reader = wants('home-media') ? await seedViewer(databaseUrl, origin, 'reader') : undefined;
    const mediaTimelines = reader
      ? await timed('timelines with media (2,000 followees, 10,000 statuses, a third with images)', () =>
          seedTimelines(databaseUrl, infra.redisUrl, origin, reader.accountId, {
            prefix: 'mauthor',
            remote: false,
            // Older than the first set: the public timeline's first page stays as it was.
            daysAgo: 8,
            mediaEvery: 3,
          }),
        )
      : undefined;
    const search: SearchFixture | undefined = wants('search')
      ? await timed('search (100,000 indexed statuses)', () => seedSearch(databaseUrl, origin))
      : undefined;
    const uploaders = wants('media')
      ? await timed(`${UPLOADING_USERS} uploading users`, async () => {
          const client = new Client({ connectionString: databaseUrl });
          await client.connect();
          try {
            const names = Array.from({ length: UPLOADING_USERS }, (_, i) => `uploader${i}`);
            return await issueTokens(
              client,
              await insertLocalAccounts(client, origin, names, { users: true }),
            );
          } finally {
            await client.end();
          }
        })
      : undefined;
    const photo = uploaders ? await makePhoto() : undefined;
    const photoPath = resolve('.data/bench/photo.jpg');
    if (photo) writeFileSync(photoPath, photo);
    const mediaRoot = resolve('.data/bench/media');
    rmSync(mediaRoot, { recursive: true, force: true });
    mkdirSync(mediaRoot, { recursive: true });
    const celebrity = wants('fanout')
      ? await timed(`fan-out (${FOLLOWERS} followers, ${STREAMS} tokens)`, () =>
          seedFollowedAuthor(databaseUrl, origin, 'celebrity', FOLLOWERS, STREAMS),
        )
      : undefined;
    const poster = wants('posting')
      ? await timed('poster (100 followers)', () => seedFollowedAuthor(databaseUrl, origin, 'poster', 100, 0))
      : undefined;
    const federating = wants('inbound') || wants('delivery');
    const sink = federating ? new Sink(wants('delivery') ? REMOTE_SERVERS : 1, SINK_PORT) : undefined;
    if (sink) await sink.start();
    const herald = wants('delivery')
      ? await timed(
          `herald (${REMOTE_FOLLOWERS} remote followers on ${REMOTE_SERVERS} servers)`,
          async () => {
            const author = await seedViewer(databaseUrl, origin, 'herald');
            await seedRemoteFollowers(databaseUrl, author.accountId, sink as Sink, REMOTE_FOLLOWERS);
            return author;
          },
        )
      : undefined;
    const inboundCreates = wants('inbound')
      ? await timed(
          `${SIGNED_CREATES} signed Creates from ${REMOTE_AUTHORS} followed remote accounts`,
          async () =>
            signCreates(
              await seedRemoteAuthors(databaseUrl, viewer.accountId, sink as Sink, REMOTE_AUTHORS),
              `${origin}/inbox`,
              SIGNED_CREATES,
            ),
        )
      : undefined;
    await timed('counters, ANALYZE and CHECKPOINT', async () => {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await recountAccounts(client);
        await client.query('ANALYZE');
        // The seeding's dirty pages written out now, not by the kernel during the first measurements.
        await client.query('CHECKPOINT');
      } finally {
        await client.end();
      }
      execFileSync('sync');
    });

    const bareServer = await startChild('dist/bench/src/bare-server.js', ['3901'], {
      DATABASE_URL: databaseUrl,
      REDIS_URL: infra.redisUrl,
    });
    children.push(bareServer);
    roles.set(String(bareServer.pid), 'bare server');
    const startSystem = (extra: Record<string, string> = {}): Promise<ChildProcess> =>
      startChild(
        'dist/bench/src/sut.js',
        [],
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          LOCAL_DOMAIN: `127.0.0.1:${port}`,
          DATABASE_URL: databaseUrl,
          REDIS_URL: infra.redisUrl,
          NATS_URL: infra.natsUrl,
          LOG_LEVEL: 'warn',
          ...(federating
            ? {
                NODE_ENV: 'test',
                FEDERATION_SCHEME: 'http',
                FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.0/8',
              }
            : // Not production, which refuses the loopback domain a bench serves on (NODE_ENV
              // only gates configuration: request handling is the same).
              { NODE_ENV: 'development' }),
          SECRET_KEY_BASE: SECRET,
          MEDIA_ROOT: mediaRoot,
          ...extra,
        },
        [
          // As `npm start` and the image run it, then what the bench is asked to add.
          ...NODE_FLAGS,
          ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
          ...(PROFILE ? ['--cpu-prof', '--cpu-prof-dir=.data/bench/prof'] : []),
        ],
      );
    const SECRET = randomBytes(64).toString('hex');
    let sut = await startSystem();
    children.push(sut);
    roles.set(String(sut.pid), 'system');
    const auth = { authorization: `Bearer ${viewer.token}` };
    const bareUrl = 'http://127.0.0.1:3901';
    const relationshipsUrl = `${origin}/api/v1/accounts/relationships?${fixture.targetIds
      .map((id) => `id[]=${id}`)
      .join('&')}`;
    const homeUrl = `${origin}/api/v1/timelines/home?limit=40`;
    const readerAuth = { authorization: `Bearer ${reader?.token ?? ''}` };
    const searchRequest: LoadRequest = {
      url: origin,
      headers: auth,
      paths: (search?.queries ?? []).map(
        (query) => `/api/v2/search?type=statuses&q=${encodeURIComponent(query.q)}`,
      ),
    };
    const checkSearches = async (): Promise<string | null> => {
      for (const query of search?.queries ?? []) {
        const wrong = await checkSearch(
          `${origin}/api/v2/search?type=statuses&q=${encodeURIComponent(query.q)}`,
          auth,
          query,
        );
        if (wrong) return wrong;
      }
      return null;
    };
    const publicUrl = `${origin}/api/v1/timelines/public?local=true&limit=40`;
    const statusesUrl = `${origin}/api/v1/statuses`;
    const posterAuth = { authorization: `Bearer ${poster?.author.token ?? ''}` };

    const raws: {
      name: string;
      request: LoadRequest;
      wrong: () => Promise<string | null>;
      connections?: number;
    }[] = [];
    if (timelines && wants('home')) {
      const url = `${bareUrl}/raw/home/${viewer.accountId}`;
      raws.push({
        name: 'raw Redis+PG home',
        request: { url },
        wrong: () => checkPage(url, {}, timelines.homePage),
      });
    }
    if (mediaTimelines && reader) {
      const url = `${bareUrl}/raw/home/${reader.accountId}?media=1`;
      raws.push({
        name: 'raw Redis+PG home with media',
        request: { url },
        wrong: () => checkPage(url, {}, mediaTimelines.homePage, mediaTimelines.homePageMedia),
      });
    }
    if (timelines && wants('public')) {
      const url = `${bareUrl}/raw/public-local`;
      raws.push({
        name: 'raw PG public local',
        request: { url },
        wrong: () => checkPage(url, {}, timelines.publicLocalPage),
      });
    }
    if (search && wants('search')) {
      const request: LoadRequest = {
        url: bareUrl,
        paths: search.queries.map((query) => `/raw/search?q=${encodeURIComponent(query.q)}`),
      };
      raws.push({
        name: 'raw PG search',
        request,
        wrong: async () => {
          for (const url of urlsOf(request)) {
            const answer = await fetch(url);
            const rows = answer.ok ? ((await answer.json()) as unknown[]) : [];
            if (!rows.length) return `${url} answered ${answer.status} with no statuses`;
          }
          return null;
        },
        connections: SEARCH_CONNECTIONS,
      });
    }
    // Checked before the posting check below posts: its status would top the public timeline.
    const wrongRaws = await Promise.all(raws.map((raw) => raw.wrong()));
    const all: Scenario[] = [
      {
        key: 'verify',
        name: 'GET verify_credentials',
        request: { url: `${origin}/api/v1/accounts/verify_credentials`, headers: auth },
        targets: (f, bare) => [ratioTarget('bare', f, bare, 0.4), p99Target(f, bare, 4)],
        wrong: null,
      },
      {
        key: 'relationships',
        name: 'GET relationships ×40 ids',
        request: { url: relationshipsUrl, headers: auth },
        targets: (f, bare) => [ratioTarget('bare', f, bare, 0.15)],
        wrong: await checkRelationships(relationshipsUrl, auth, fixture),
      },
      {
        key: 'home',
        name: 'GET timelines/home ×40',
        request: { url: homeUrl, headers: auth },
        raw: 'raw Redis+PG home',
        targets: (f, bare, raw) => [
          ...(raw ? [ratioTarget('raw', f, raw, 0.5)] : []),
          ratioTarget('bare', f, bare, 0.07),
          p99Target(f, bare, 10),
        ],
        wrong: timelines && wants('home') ? await checkPage(homeUrl, auth, timelines.homePage) : null,
      },
      {
        key: 'home-media',
        name: 'GET timelines/home ×40 with media',
        request: { url: homeUrl, headers: readerAuth },
        raw: 'raw Redis+PG home with media',
        targets: (f, bare, raw) => [
          ...(raw ? [ratioTarget('raw', f, raw, 0.5)] : []),
          ratioTarget('bare', f, bare, 0.07),
          p99Target(f, bare, 10),
        ],
        wrong: mediaTimelines
          ? await checkPage(homeUrl, readerAuth, mediaTimelines.homePage, mediaTimelines.homePageMedia)
          : null,
      },
      {
        key: 'public',
        name: 'GET timelines/public local ×40',
        request: { url: publicUrl },
        raw: 'raw PG public local',
        targets: (f, bare, raw) => [
          ...(raw ? [ratioTarget('raw', f, raw, 0.5)] : []),
          ratioTarget('bare', f, bare, 0.07),
          p99Target(f, bare, 10),
        ],
        wrong:
          timelines && wants('public') ? await checkPage(publicUrl, {}, timelines.publicLocalPage) : null,
      },
      {
        key: 'search',
        name: 'GET search statuses (PostgreSQL)',
        request: searchRequest,
        targets: (f, bare) => [ratioTarget('bare', f, bare, 0.03), p99Target(f, bare, 10)],
        wrong: search ? await checkSearches() : null,
        connections: SEARCH_CONNECTIONS,
      },
      {
        key: 'posting',
        name: 'POST statuses',
        request: {
          url: statusesUrl,
          headers: posterAuth,
          body: JSON.stringify({ status: `Posting ${UNIQUE}` }),
        },
        targets: (f, bare) => [ratioTarget('bare', f, bare, 0.05)],
        wrong: poster ? await checkPost(statusesUrl, posterAuth) : null,
      },
    ];
    const scenarios = all.filter((scenario) => wants(scenario.key));
    const reads = scenarios.filter((scenario) => !scenario.request.body);
    const writes = scenarios.filter((scenario) => scenario.request.body);

    pinServers(0, infra.serverPids);
    const bare = await load({ url: `${bareUrl}/bare` }, SETTINGS);
    const rawFigures = new Map<string, Figure>();
    for (const raw of raws)
      rawFigures.set(
        raw.name,
        await load(raw.request, { ...SETTINGS, connections: raw.connections ?? CONNECTIONS }),
      );
    const figures = new Map<Key, Figure>();
    const trips = new Map<Key, RoundTrips>();
    for (const scenario of reads)
      figures.set(
        scenario.key,
        await load(scenario.request, { ...SETTINGS, connections: scenario.connections ?? CONNECTIONS }),
      );
    for (const scenario of reads) trips.set(scenario.key, await perRequest(probeUrl(port), scenario.request));
    let media:
      | { figures: UploadFigures; bare: BareMedia; wrong: string | null; cpu: Record<string, number> }
      | undefined;
    if (uploaders && photo) {
      const wrongUpload = await checkUpload(origin, uploaders[0], photo);
      const bareMedia = await measureBareMedia(photoPath);
      const before = cpuByCommand();
      const figures = await measureUploads(origin, uploaders.slice(1), photo, DURATION, UPLOADERS);
      media = { figures, bare: bareMedia, wrong: wrongUpload, cpu: cpuDelta(before, cpuByCommand()) };
    }
    let fanOut: { result: FanOutResult; cpu: Record<string, number> } | undefined;
    if (celebrity) {
      const before = cpuByCommand();
      const result = await measureFanOut(origin, infra.redisUrl, celebrity, RUNS);
      fanOut = { result, cpu: cpuDelta(before, cpuByCommand()) };
    }
    // Posting last: the fan-out its posts leave behind would load whatever came next.
    for (const scenario of writes) {
      figures.set(scenario.key, await load(scenario.request, SETTINGS));
      trips.set(scenario.key, await perRequest(probeUrl(port), scenario.request));
    }
    let inbound:
      | {
          figure: Figure & { exhausted: boolean; sent: number };
          bare: Figure;
          wrong: string | null;
          drain: { stored: number; seconds: number; cpu: Record<string, number> };
        }
      | undefined;
    if (inboundCreates) {
      const [probe, ...measured] = inboundCreates;
      const wrong = await checkInbound(`${origin}/inbox`, probe, databaseUrl);
      const bareJson = await loadEach(`${bareUrl}/bare-json`, measured, SETTINGS);
      const started = performance.now();
      const figure = await loadEach(`${origin}/inbox`, measured, SETTINGS);
      // Every accepted Create (and the probe's) becomes a stored status; how long that takes in all.
      const drainCpu = cpuByCommand();
      const done = await drained(databaseUrl, figure.sent + 1, 300_000);
      const drainedCpu = cpuDelta(drainCpu, cpuByCommand());
      inbound = {
        figure,
        bare: bareJson,
        wrong,
        drain: { stored: done.stored - 1, seconds: (done.at - started) / 1000, cpu: drainedCpu },
      };
    }
    let delivery: { runs: { hosts: number; ms: number }[]; cpu: Record<string, number> } | undefined;
    if (herald && sink) {
      const before = cpuByCommand();
      const runs: { hosts: number; ms: number }[] = [];
      // One post warms up; then RUNS measured.
      for (let i = 0; i <= RUNS; i += 1) {
        const response = await fetch(statusesUrl, {
          method: 'POST',
          headers: { authorization: `Bearer ${herald.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ status: `To every server, ${i}` }),
        });
        const { uri } = (await response.json()) as { uri: string };
        const reached = await sink.waitFor(`${uri}/activity`, 60_000);
        if (i > 0) runs.push(reached);
      }
      delivery = { runs, cpu: cpuDelta(before, cpuByCommand()) };
    }
    // Last: the node's JVM would take the system's core from every scenario after it.
    let elastic:
      | { figure: Figure; trips: RoundTrips; wrong: string | null; deployed: string }
      | { skipped: string }
      | undefined;
    if (search && process.env.BENCH_ELASTICSEARCH === '0') {
      elastic = { skipped: 'BENCH_ELASTICSEARCH=0' };
    } else if (search) {
      let node: OpenSearchNode | undefined;
      try {
        node = await startOpenSearch(resolve('.data/bench/opensearch'), OPENSEARCH_PORT, 0);
      } catch (error) {
        elastic = { skipped: error instanceof Error ? error.message.split('\n')[0] : String(error) };
      }
      if (node) {
        roles.set(String(node.process.pid), 'opensearch');
        try {
          const es = { ELASTICSEARCH_URL: node.url, ES_PREFIX: 'bench_' };
          const started = performance.now();
          const deployed = await deploySearchIndex(loadConfig({ DATABASE_URL: databaseUrl, ...es }));
          const copied = deployed.backend === 'elasticsearch' ? deployed.copied : 0;
          const deployedText = `search deploy copied ${copied} statuses in ${((performance.now() - started) / 1000).toFixed(1)} s`;
          await stopChild(sut);
          sut = await startSystem(es);
          children.push(sut);
          roles.set(String(sut.pid), 'system');
          const wrong = await checkSearches();
          const settings = { ...SETTINGS, connections: SEARCH_CONNECTIONS };
          // A fresh JVM compiles its hot paths in the first half minute of load: not measured.
          const warmed = await warmUntilSteady(searchRequest, settings.connections);
          const figure = await load(searchRequest, settings);
          elastic = {
            figure,
            trips: await perRequest(probeUrl(port), searchRequest),
            wrong,
            deployed: `${deployedText}; warmed ${warmed} s`,
          };
        } finally {
          await stopOpenSearch(node);
        }
      }
    }

    const row = (name: string, f: Figure): string =>
      `${name.padEnd(32)} ${f.rps.toFixed(0).padStart(7)} req/s  p50 ${String(f.p50).padStart(3)} ms  p99 ${String(f.p99).padStart(3)} ms  ratio ${(f.rps / bare.rps).toFixed(3)}${f.non2xx ? `  (${f.non2xx} non-2xx: VOID)` : ''}`;
    const indent = ''.padEnd(32);
    const cpuLine = (cpu: Record<string, number>): string =>
      `${indent} CPU s: ${Object.entries(cpu)
        .sort((a, b) => b[1] - a[1])
        .map(([name, seconds]) => `${name} ${seconds.toFixed(1)}`)
        .join(', ')}`;
    const tripsText = (t: RoundTrips): string =>
      `sql/req ${t.sql.toFixed(2)}, bus/req ${Object.entries(t.bus)
        .filter(([, count]) => count > 0)
        .map(([service, count]) => `${service} ${count.toFixed(2)}`)
        .join(' ')}`;
    const verdicts = (targets: Target[]): string =>
      targets.map((t) => `${t.label}: ${t.met ? 'PASS' : 'MISS'}`).join('; ');
    say(
      `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? '?'}, node ${process.version}, taskset ${hasTaskset}, ${CONNECTIONS} connections, ${DURATION} s x ${RUNS} run(s)`,
    );
    say(`seeded: ${seeded.join(', ')}`);
    say(row('bare Fastify route (baseline)', bare));
    say(cpuLine(bare.cpu));
    raws.forEach((raw, i) => {
      const f = rawFigures.get(raw.name) as Figure;
      say(
        `${row(`${raw.name} (baseline)`, f)}${wrongRaws[i] ? `  (wrong answer: ${wrongRaws[i]}: VOID)` : ''}`,
      );
      say(cpuLine(f.cpu));
    });
    const wrong: string[] = [];
    for (const scenario of scenarios) {
      const f = figures.get(scenario.key) as Figure;
      const raw = scenario.raw ? rawFigures.get(scenario.raw) : undefined;
      const targets = scenario.targets(f, bare, raw);
      say(row(scenario.name, f));
      say(
        `${indent} ${verdicts(targets)}${scenario.wrong ? `; wrong answer (${scenario.wrong}): VOID` : ''}`,
      );
      say(`${indent} ${tripsText(trips.get(scenario.key) as RoundTrips)}`);
      say(cpuLine(f.cpu));
      if (scenario.wrong || f.non2xx) wrong.push(scenario.name);
    }
    const home = figures.get('home');
    const homeMedia = figures.get('home-media');
    if (home && homeMedia)
      say(
        `${indent} home with media at ${(homeMedia.rps / home.rps).toFixed(3)}× the text-only home (ratios to bare ${(homeMedia.rps / bare.rps).toFixed(3)} and ${(home.rps / bare.rps).toFixed(3)})`,
      );
    const searched = figures.get('search');
    const rawSearch = rawFigures.get('raw PG search');
    if (searched && rawSearch)
      say(
        `${indent} search on PostgreSQL at ${(searched.rps / rawSearch.rps).toFixed(3)}× the raw PG search, which is ${(rawSearch.rps / bare.rps).toFixed(3)}× bare (no target: the floor of the 0.03× asked)`,
      );
    if (elastic && 'skipped' in elastic)
      say(`${'GET search statuses (Elasticsearch)'.padEnd(32)} skipped: ${elastic.skipped}`);
    if (elastic && 'figure' in elastic) {
      const f = elastic.figure;
      say(row('GET search statuses (Elasticsearch)', f));
      say(
        `${indent} ${verdicts([ratioTarget('bare', f, bare, 0.03), p99Target(f, bare, 10)])}${elastic.wrong ? `; wrong answer (${elastic.wrong}): VOID` : ''}`,
      );
      say(`${indent} ${elastic.deployed}; ${tripsText(elastic.trips)}`);
      say(cpuLine(f.cpu));
      if (elastic.wrong || f.non2xx) wrong.push('search on Elasticsearch');
    }
    if (media) {
      const { figures: up, bare: bareMedia } = media;
      const rate = up.processed / up.seconds;
      const bareRate = bareMedia.processed / bareMedia.seconds;
      const p99 = percentile(up.times, 0.99);
      const bareP99 = percentile(bareMedia.times, 0.99);
      say(
        `${'bare sharp+blurhash loop'.padEnd(32)} ${bareRate.toFixed(2).padStart(7)} files/s p50 ${percentile(bareMedia.times, 0.5).toFixed(0)} ms  p99 ${bareP99.toFixed(0)} ms  (${WORKER_CONCURRENCY} at once)`,
      );
      say(
        `${'uploads processed end to end'.padEnd(32)} ${rate.toFixed(2).padStart(7)} files/s p50 ${percentile(up.times, 0.5).toFixed(0)} ms  p99 ${p99.toFixed(0)} ms  (${UPLOADERS} clients, ${up.processed} in ${up.seconds.toFixed(1)} s)`,
      );
      say(
        `${indent} ${verdicts([
          { label: `≥ 0.50× bare loop (${(rate / bareRate).toFixed(3)})`, met: rate / bareRate >= 0.5 },
          { label: `p99 ≤ 3× bare loop p99 (${(p99 / bareP99).toFixed(1)}×)`, met: p99 / bareP99 <= 3 },
        ])}${media.wrong ? `; wrong answer (${media.wrong}): VOID` : ''}${up.failures.size ? `; failed uploads: ${[...up.failures].map(([why, n]) => `${n}× ${why}`).join(', ')}: VOID` : ''}`,
      );
      say(cpuLine(media.cpu));
      if (media.wrong || up.failures.size || !up.processed) wrong.push('media');
    }
    if (fanOut) {
      const { result, cpu } = fanOut;
      const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
      const latency = (values: number[]): Target[] => [
        { label: `p50 ${seconds(percentile(values, 0.5))} ≤ 1 s`, met: percentile(values, 0.5) <= 1000 },
        { label: `p99 ${seconds(percentile(values, 0.99))} ≤ 2 s`, met: percentile(values, 0.99) <= 2000 },
      ];
      const feedP99 = percentile(result.feeds, 0.99);
      say(
        `${`fan-out to ${result.followers} followers`.padEnd(32)} ${RUNS} post(s) measured after one warm-up`,
      );
      if (result.error) say(`${indent} ${result.error}: VOID`);
      say(
        `${indent} home feeds: ${verdicts(latency(result.feeds))}${result.missingFeeds ? `; ${result.missingFeeds} feeds never got it: VOID` : ''}`,
      );
      say(
        `${indent} ${result.streams} user streams: ${verdicts(latency(result.streamed))}${result.missingStreams ? `; ${result.missingStreams} streams never got it: VOID` : ''}`,
      );
      say(
        `${indent} POST answered in ${result.answered.map((ms) => `${ms.toFixed(0)} ms`).join(', ')}; raw pipelined ZADD+trim of as many feeds by the load generator ${seconds(result.rawMs)} (feeds p99 ${(feedP99 / result.rawMs).toFixed(1)}× that)`,
      );
      say(cpuLine(cpu));
      if (result.error || result.missingFeeds || result.missingStreams) wrong.push('fan-out');
    }
    if (inbound) {
      const { figure, bare: bareJson } = inbound;
      say(row('bare Fastify JSON POST (baseline)', bareJson));
      say(cpuLine(bareJson.cpu));
      say(row('POST signed Create to the inbox', figure));
      say(
        `${indent} ${verdicts([
          { label: `≥ 1000 activities/s (${figure.rps.toFixed(0)})`, met: figure.rps >= 1000 },
        ])}; ${(figure.rps / bareJson.rps).toFixed(3)}× the bare JSON POST${figure.exhausted ? '; ran out of signed activities (a lower bound)' : ''}${inbound.wrong ? `; wrong answer (${inbound.wrong}): VOID` : ''}`,
      );
      say(cpuLine(figure.cpu));
      const { stored, seconds } = inbound.drain;
      say(
        `${indent} worked off: ${stored} of ${figure.sent} accepted Creates stored as statuses ${seconds.toFixed(1)} s after the load began (${(stored / seconds).toFixed(0)}/s sustained)`,
      );
      say(cpuLine(inbound.drain.cpu).replace('CPU s:', 'CPU s after the load:'));
      if (inbound.wrong || figure.non2xx) wrong.push('inbound');
    }
    if (delivery) {
      const worst = Math.max(...delivery.runs.map((run) => run.ms));
      const missed = delivery.runs.some((run) => run.hosts < REMOTE_SERVERS);
      say(
        `${`delivery to ${REMOTE_FOLLOWERS} followers`.padEnd(32)} on ${REMOTE_SERVERS} servers, ${RUNS} post(s) after one warm-up: ${delivery.runs
          .map((run) => `${run.hosts} servers in ${(run.ms / 1000).toFixed(2)} s`)
          .join(', ')}`,
      );
      say(
        `${indent} ${verdicts([{ label: `all within 10 s (${(worst / 1000).toFixed(2)} s)`, met: !missed && worst <= 10_000 }])}${missed ? '; some servers never got it: VOID' : ''}`,
      );
      say(cpuLine(delivery.cpu));
      if (missed) wrong.push('delivery');
    }
    if (wrongRaws.some(Boolean)) wrong.push('a raw baseline');
    if (wrong.length || bare.non2xx) {
      say(`wrong answers (VOID): ${[...wrong, ...(bare.non2xx ? ['bare route'] : [])].join(', ')}`);
      process.exitCode = 1;
    }
    await sink?.stop();
  } finally {
    // The system writes its CPU profile on a clean exit: wait for it.
    await Promise.all(children.map(stopChild));
    await infra.stop();
  }
}

const probeUrl = (port: number): string => `http://127.0.0.1:${port + 2}/`;

interface BareMedia {
  processed: number;
  seconds: number;
  times: number[];
}

/** The bare image loop (bare-media.ts) for DURATION, on the system's core, as the worker works. */
async function measureBareMedia(photoPath: string): Promise<BareMedia> {
  const child = spawn(
    process.execPath,
    ['dist/bench/src/bare-media.js', photoPath, String(DURATION), String(WORKER_CONCURRENCY)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  pin(0, child.pid);
  roles.set(String(child.pid), 'bare media loop');
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  if (code !== 0) throw new Error(`the bare media loop exited with ${code}`);
  return JSON.parse(output) as BareMedia;
}

void main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
