import { Client } from 'pg';
import type { SearchQuery } from './seed-search';
import type { RelationshipFixture } from './seed-relationships';

/**
 * A void run is worse than none: each scenario's answer is checked against what was seeded before
 * it is measured. Each check answers what is wrong, or null.
 */

interface MRelationship {
  id: string;
  following: boolean;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  requested: boolean;
}

export async function checkRelationships(
  url: string,
  headers: Record<string, string>,
  fixture: RelationshipFixture,
): Promise<string | null> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) return `status ${response.status}`;
  const body = (await response.json()) as MRelationship[];
  if (body.map((r) => r.id).join() !== fixture.targetIds.join()) return 'ids differ from the request';
  const got = {
    following: body.filter((r) => r.following).length,
    followedBy: body.filter((r) => r.followed_by).length,
    blocking: body.filter((r) => r.blocking).length,
    blockedBy: body.filter((r) => r.blocked_by).length,
    muting: body.filter((r) => r.muting).length,
    requested: body.filter((r) => r.requested).length,
  };
  const wrong = Object.entries(fixture.expected).filter(
    ([key, value]) => got[key as keyof typeof got] !== value,
  );
  return wrong.length ? `wrong counts: ${JSON.stringify(got)}` : null;
}

/**
 * A page of statuses (or of the baselines' rows): exactly these ids, in this order; with `media`,
 * carrying that many attachments in all, each with its URLs (the baselines' rows, with their
 * attachments under `media`, too).
 */
export async function checkPage(
  url: string,
  headers: Record<string, string>,
  expected: string[],
  media?: number,
): Promise<string | null> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) return `status ${response.status}`;
  const body = (await response.json()) as {
    id: string;
    content?: string;
    media_attachments?: { url?: string; preview_url?: string }[];
    media?: unknown[];
  }[];
  const ids = body.map((status) => status.id);
  if (ids.join() !== expected.join())
    return `${ids.length} statuses, ${ids.filter((id, i) => id !== expected[i]).length} not the expected ones`;
  if (body.some((status) => !status.content)) return 'a status without content';
  if (media !== undefined) {
    const attachments = body.flatMap((status) => status.media_attachments ?? status.media ?? []);
    if (attachments.length !== media) return `${attachments.length} attachments, not ${media}`;
    if (
      body.some((status) =>
        status.media_attachments?.some((attachment) => !attachment.url || !attachment.preview_url),
      )
    )
      return 'an attachment without its URLs';
  }
  return null;
}

interface MSearchStatus {
  id: string;
  content: string;
  account: { username: string };
  media_attachments: unknown[];
}

/**
 * A status search answers statuses (a full page when the seeded texts hold enough matches), each
 * saying the query's words, by the `from:` author, with media for `has:media`.
 */
export async function checkSearch(
  url: string,
  headers: Record<string, string>,
  query: SearchQuery,
): Promise<string | null> {
  const response = await fetch(url, { headers });
  if (response.status !== 200) return `${query.q}: status ${response.status}`;
  const { statuses } = (await response.json()) as { statuses: MSearchStatus[] };
  const page = 20;
  if (statuses.length < Math.min(page, query.matches))
    return `${query.q}: ${statuses.length} statuses of ${query.matches} matching`;
  for (const status of statuses) {
    const text = ` ${status.content.toLowerCase().replace(/<[^>]*>|\./g, ' ')} `;
    const missing = query.words.find((word) => !text.includes(` ${word} `));
    if (missing) return `${query.q}: a status without "${missing}"`;
    if (query.from && status.account.username !== query.from)
      return `${query.q}: a status by ${status.account.username}`;
    if (query.media && !status.media_attachments.length) return `${query.q}: a status without media`;
  }
  const ids = statuses.map((status) => BigInt(status.id));
  if (ids.some((id, i) => i > 0 && id >= ids[i - 1])) return `${query.q}: not newest first`;
  return null;
}

/** A post answers 200 with the status it made, its text rendered. */
export async function checkPost(url: string, headers: Record<string, string>): Promise<string | null> {
  const text = `Checking ${Date.now()}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ status: text }),
  });
  if (response.status !== 200) return `status ${response.status}`;
  const status = (await response.json()) as { id?: string; content?: string };
  return status.id && status.content?.includes(text) ? null : 'the answer is not the status posted';
}

/**
 * One signed Create is taken (202) and its note is stored as a remote status within a few
 * seconds: the inbox does the work the load then measures, not a refusal.
 */
export async function checkInbound(
  url: string,
  delivery: { headers: Record<string, string>; body: string },
  databaseUrl: string,
): Promise<string | null> {
  const response = await fetch(url, { method: 'POST', headers: delivery.headers, body: delivery.body });
  if (response.status !== 202) return `status ${response.status}: ${await response.text()}`;
  const { object } = JSON.parse(delivery.body) as { object: { id: string } };
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let waited = 0; waited < 50; waited += 1) {
      const { rows } = await client.query(`SELECT 1 FROM statuses.statuses WHERE uri = $1 AND NOT local`, [
        object.id,
      ]);
      if (rows.length) return null;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return 'the note was not stored';
  } finally {
    await client.end();
  }
}
