import { createRestAPIClient, type mastodon } from 'masto';
import type { SeededUser } from './factories';
import { pollUntil } from './poll';
import type { TestSystem } from './system';

/** A masto client of `user` on the instance `t`. */
export const clientOf = (t: TestSystem, user: SeededUser): mastodon.rest.Client =>
  createRestAPIClient({ url: t.url, accessToken: user.token });

/**
 * `follower` on `t` follows the account `acct` of another instance, resolved through search as an
 * app does; waits until the follow is accepted and answers the account as `t` shows it.
 */
export async function followAcross(
  t: TestSystem,
  follower: SeededUser,
  acct: string,
): Promise<mastodon.v1.Account> {
  const client = clientOf(t, follower);
  const { accounts } = await client.v2.search.list({ q: `@${acct}`, resolve: true, type: 'accounts' });
  expect(accounts.map((account) => account.acct)).toEqual([acct]);
  await client.v1.accounts.$select(accounts[0].id).follow();
  await pollUntil(
    async () => (await client.v1.accounts.relationships.fetch({ id: [accounts[0].id] }))[0],
    (relationship) => relationship.following,
    10_000,
  );
  return accounts[0];
}
