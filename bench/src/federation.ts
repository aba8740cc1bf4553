import autocannon from 'autocannon';
import { signCavage } from '@mammut/activitypub';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { insertFollows } from './seed-accounts';
import type { Figure, LoadSettings } from './load';
import { cpuByCommand, cpuDelta } from './processes';

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/** The loopback address of simulated server `n` (127.0.1.1, 127.0.1.2, …): a host of its own. */
const serverAddress = (n: number): string => `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;

/**
 * Simulated remote servers: one HTTP listener per loopback address, all on the same port, each a
 * host of its own as the system sees it (`127.0.1.7:PORT`). They take any POST with 202 and note
 * which host got which activity id.
 */
export class Sink {
  private readonly servers: Server[] = [];
  /** activity id → hosts it reached. */
  private readonly reached = new Map<string, Set<string>>();
  private readonly waiters = new Set<() => void>();
  posts = 0;

  constructor(
    readonly hosts: number,
    readonly port: number,
  ) {}

  async start(): Promise<void> {
    for (let n = 0; n < this.hosts; n += 1) {
      const server = createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          this.posts += 1;
          response.writeHead(202).end();
          try {
            const { id } = JSON.parse(Buffer.concat(chunks).toString()) as { id?: string };
            if (typeof id !== 'string') return;
            const hosts = this.reached.get(id) ?? new Set<string>();
            hosts.add(request.headers.host ?? '');
            this.reached.set(id, hosts);
            for (const wake of this.waiters) wake();
          } catch {
            // Not an activity: counted, nothing more.
          }
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.port, serverAddress(n), resolve);
      });
      this.servers.push(server);
    }
  }

  host(n: number): string {
    return `${serverAddress(n)}:${this.port}`;
  }

  /** How many hosts got activity `id` once all have or `timeoutMs` passed, and when the last did. */
  async waitFor(id: string, timeoutMs: number): Promise<{ hosts: number; ms: number }> {
    const started = performance.now();
    const count = () => this.reached.get(id)?.size ?? 0;
    while (count() < this.hosts && performance.now() - started < timeoutMs) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          resolve();
        };
        this.waiters.add(wake);
        setTimeout(wake, 100);
      });
    }
    return { hosts: count(), ms: performance.now() - started };
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
  }
}

/** Remote accounts as federation saves them, each on sink host `hostOf(i)`, with its key. */
async function insertRemoteAccounts(
  client: Client,
  actors: { username: string; host: string; publicKeyPem: string | null }[],
): Promise<string[]> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO accounts.accounts (username, domain, uri, url, actor_type, inbox_url, shared_inbox_url,
        followers_url, public_key, public_key_id, fetched_at, last_webfingered_at)
     SELECT a.username, a.host, 'http://' || a.host || '/users/' || a.username,
            'http://' || a.host || '/@' || a.username, 'Person',
            'http://' || a.host || '/users/' || a.username || '/inbox', 'http://' || a.host || '/inbox',
            'http://' || a.host || '/users/' || a.username || '/followers',
            a.key, 'http://' || a.host || '/users/' || a.username || '#main-key', now(), now()
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS a(username, host, key, n)
      ORDER BY a.n
     RETURNING id::text`,
    [actors.map((a) => a.username), actors.map((a) => a.host), actors.map((a) => a.publicKeyPem)],
  );
  return rows.map((row) => row.id);
}

/**
 * `followers` remote accounts spread evenly over the sink's hosts, all following `authorId`: the
 * audience of the delivery scenario. Every host has a shared inbox, so one post is one delivery
 * per host, as Mastodon sends it.
 */
export async function seedRemoteFollowers(
  databaseUrl: string,
  authorId: string,
  sink: Sink,
  followers: number,
): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const actors = Array.from({ length: followers }, (_, i) => ({
      username: `fan${i}`,
      host: sink.host(i % sink.hosts),
      publicKeyPem: null,
    }));
    const ids = await insertRemoteAccounts(client, actors);
    await insertFollows(
      client,
      ids.map((id) => [id, authorId]),
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

export interface RemoteAuthor {
  readonly uri: string;
  readonly keyId: string;
  readonly privateKeyPem: string;
}

/**
 * `count` remote accounts on the sink's first host, each with its own RSA-2048 key (saved as
 * federation would have saved it from the actor document), all followed by `viewerId`: their
 * public posts are what a local account follows in, the inbound scenario's traffic.
 */
export async function seedRemoteAuthors(
  databaseUrl: string,
  viewerId: string,
  sink: Sink,
  count: number,
): Promise<RemoteAuthor[]> {
  const keys = Array.from({ length: count }, () =>
    generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    }),
  );
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const actors = keys.map((key, i) => ({
      username: `author${i}`,
      host: sink.host(0),
      publicKeyPem: key.publicKey,
    }));
    const ids = await insertRemoteAccounts(client, actors);
    await insertFollows(
      client,
      ids.map((id) => [viewerId, id]),
    );
    await client.query('COMMIT');
    return actors.map((actor, i) => {
      const uri = `http://${actor.host}/users/${actor.username}`;
      return { uri, keyId: `${uri}#main-key`, privateKeyPem: keys[i].privateKey };
    });
  } finally {
    await client.end();
  }
}

export interface SignedDelivery {
  readonly headers: Record<string, string>;
  readonly body: string;
}

/**
 * `count` public Create{Note} activities, each new, from the authors in turn, signed (draft-cavage,
 * as Mastodon signs) for the shared inbox at `inboxUrl`. Signed before the measurement: the load
 * generator's core would otherwise be the limit.
 */
export function signCreates(authors: RemoteAuthor[], inboxUrl: string, count: number): SignedDelivery[] {
  const signed: SignedDelivery[] = [];
  for (let i = 0; i < count; i += 1) {
    const author = authors[i % authors.length];
    const id = `${author.uri}/statuses/${randomUUID()}`;
    const published = new Date().toISOString();
    const note = {
      id,
      type: 'Note',
      attributedTo: author.uri,
      content: `<p>Inbound ${i}, with a <a href="https://example.com/${i}">link</a></p>`,
      published,
      to: [PUBLIC],
      cc: [`${author.uri}/followers`],
      sensitive: false,
      tag: [],
      attachment: [],
    };
    const activity = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${id}/activity`,
      type: 'Create',
      actor: author.uri,
      published,
      to: note.to,
      cc: note.cc,
      object: note,
    };
    const body = JSON.stringify(activity);
    const headers = { 'content-type': 'application/activity+json' };
    const signature = signCavage(
      { method: 'POST', url: inboxUrl, headers, body: Buffer.from(body) },
      { keyId: author.keyId, privateKeyPem: author.privateKeyPem },
    );
    signed.push({ headers: { ...headers, ...signature }, body });
  }
  return signed;
}

/**
 * Load of pre-made requests, each sent once (a run that would need more than were made sends
 * fewer: `exhausted` says so, and the figure is then a lower bound). Warm-up first, then the
 * median of `runs` measurements.
 */
export async function loadEach(
  url: string,
  deliveries: SignedDelivery[],
  settings: LoadSettings,
): Promise<Figure & { exhausted: boolean; sent: number }> {
  let next = 0;
  let exhausted = false;
  const once = async (duration: number): Promise<Figure> => {
    const before = cpuByCommand();
    const result = await autocannon({
      url,
      method: 'POST',
      connections: settings.connections,
      duration,
      requests: [
        {
          setupRequest: (request: autocannon.Request): autocannon.Request => {
            if (next >= deliveries.length) exhausted = true;
            const delivery = deliveries[next++ % deliveries.length];
            return { ...request, method: 'POST', headers: delivery.headers, body: delivery.body };
          },
        },
      ],
    });
    return {
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      non2xx: result.non2xx + result.errors,
      cpu: cpuDelta(before, cpuByCommand()),
    };
  };
  await once(2);
  const runs: Figure[] = [];
  for (let i = 0; i < settings.runs; i += 1) runs.push(await once(settings.duration));
  runs.sort((a, b) => a.rps - b.rps);
  const median = runs[Math.floor(runs.length / 2)];
  return { ...median, non2xx: runs.reduce((sum, run) => sum + run.non2xx, 0), exhausted, sent: next };
}

/**
 * How long the system takes to work off what the inbox accepted: polls the statuses table until
 * it holds `expected` remote statuses (or `timeoutMs` passed); the count reached and when.
 */
export async function drained(
  databaseUrl: string,
  expected: number,
  timeoutMs: number,
): Promise<{ stored: number; at: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM statuses.statuses WHERE NOT local`,
      );
      const stored = rows[0].n;
      if (stored >= expected || performance.now() > deadline) return { stored, at: performance.now() };
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.end();
  }
}
