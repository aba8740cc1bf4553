import { Client } from 'pg';
import { insertFollows, insertLocalAccounts, issueTokens } from './seed-accounts';
import { type SeededViewer, seedViewer } from './seed-viewer';

/** An author, its local followers, and tokens for a sample of them to open streams with. */
export interface FollowedAuthor {
  readonly author: SeededViewer;
  readonly followerIds: string[];
  /** Followers with a token, spread evenly over the follow order (fan-out goes in that order). */
  readonly sample: { readonly accountId: string; readonly token: string }[];
}

/**
 * `followers` local users (each with a confirmed user, as people who signed up) following one
 * author who has a token to post with; `sampled` of them get a token too. Written straight to the
 * database in one transaction before the system starts, as the other seeders do: 10,000 sign-ups
 * through the API would hash 10,000 passwords and take minutes, and only the sample needs tokens.
 */
export async function seedFollowedAuthor(
  databaseUrl: string,
  origin: string,
  name: string,
  followers: number,
  sampled: number,
): Promise<FollowedAuthor> {
  const author = await seedViewer(databaseUrl, origin, name);
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    const names = Array.from({ length: followers }, (_, i) => `${name}_fan${i}`);
    const followerIds = await insertLocalAccounts(client, origin, names, { users: true });
    await insertFollows(
      client,
      followerIds.map((id) => [id, author.accountId]),
    );
    const step = Math.max(1, Math.floor(followers / Math.max(1, sampled)));
    const sampleIds = followerIds.filter((_, i) => i % step === 0).slice(0, sampled);
    const tokens = await issueTokens(client, sampleIds);
    await client.query('COMMIT');
    return {
      author,
      followerIds,
      sample: sampleIds.map((accountId, i) => ({ accountId, token: tokens[i] })),
    };
  } finally {
    await client.end();
  }
}
