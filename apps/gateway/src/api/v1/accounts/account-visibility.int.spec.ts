import { createRestAPIClient, type mastodon } from 'masto';
import { contracts } from '@mammut/contracts';
import type { MAccount } from '@mammut/mastodon-api';
import { createUnconfirmedUser } from '../../../../../../test-e2e/support/admin';
import { apiCall } from '../../../../../../test-e2e/support/http';
import {
  clientCredentialsToken,
  createApp,
  registerAndSignIn,
} from '../../../../../../test-e2e/support/oauth';
import { type SystemUnderTest, useTestSystem } from '../../../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/** The account id of a local user, through the federation-facing read (the API hides pending users). */
async function accountIdOf(sut: SystemUnderTest, username: string): Promise<string> {
  const { actors } = await sut.t.system.runtime.bus.request(contracts.accounts.remote.lookupActors, {
    accts: [username],
  });
  return actors[0].id;
}

/** What the API answers for an account: by id, in a batch, by acct. */
async function apiViews(
  sut: SystemUnderTest,
  accountId: string,
  username: string,
): Promise<{ byId: number; batch: string[]; lookup: number }> {
  const byId = await apiCall(sut.t.url, `/api/v1/accounts/${accountId}`);
  const batch = await apiCall(sut.t.url, `/api/v1/accounts?id[]=${accountId}`);
  const lookup = await apiCall(sut.t.url, `/api/v1/accounts/lookup?acct=${username}`);
  return {
    byId: byId.status,
    batch: ((await batch.json()) as MAccount[]).map((a) => a.id),
    lookup: lookup.status,
  };
}

describe('accounts the API does not show yet, and familiar followers', () => {
  const sut = useTestSystem();
  const as = (user: { token: string }): mastodon.rest.Client =>
    createRestAPIClient({ url: sut.t.url, accessToken: user.token });

  it('answers 404 for a local account whose e-mail address is unconfirmed, as Mastodon does', async () => {
    await createUnconfirmedUser(sut.t.system.runtime.config, 'unsure');
    const id = await accountIdOf(sut, 'unsure');
    expect(await apiViews(sut, id, 'unsure')).toEqual({ byId: 404, batch: [], lookup: 404 });
    // Nor can anyone follow, block or mute it.
    const viewer = await registerAndSignIn(sut.t.url, { username: 'viewer' });
    for (const action of ['follow', 'block', 'mute']) {
      const response = await apiCall(sut.t.url, `/api/v1/accounts/${id}/${action}`, {
        method: 'POST',
        token: viewer.token,
      });
      expect(response.status).toBe(404);
    }
    // WebFinger answers for every local account, as Mastodon's does.
    const finger = await apiCall(sut.t.url, `/.well-known/webfinger?resource=acct:unsure@${sut.t.domain}`);
    expect(finger.status).toBe(200);
  });

  it('leaves out of familiar followers the followers who hide their collections', async () => {
    const viewer = await registerAndSignIn(sut.t.url, { username: 'familiar_viewer' });
    const open = await registerAndSignIn(sut.t.url, { username: 'open' });
    const shy = await registerAndSignIn(sut.t.url, { username: 'shy' });
    const target = await registerAndSignIn(sut.t.url, { username: 'target' });
    for (const friend of [open, shy]) {
      await as(viewer).v1.accounts.$select(friend.accountId).follow();
      await as(friend).v1.accounts.$select(target.accountId).follow();
    }
    const familiar = async (): Promise<string[]> => {
      const response = await apiCall(
        sut.t.url,
        `/api/v1/accounts/familiar_followers?id[]=${target.accountId}`,
        {
          token: viewer.token,
        },
      );
      const [entry] = (await response.json()) as { id: string; accounts: MAccount[] }[];
      return entry.accounts.map((a) => a.id).sort();
    };
    expect(await familiar()).toEqual([open.accountId, shy.accountId].sort());
    await as(shy).v1.accounts.updateCredentials({ hideCollections: true });
    expect(await familiar()).toEqual([open.accountId]);
  });
});

describe('accounts awaiting approval', () => {
  const sut = useTestSystem({ REGISTRATIONS_MODE: 'approved' });

  it('answers 404 for a local account whose sign-up awaits approval, as Mastodon does', async () => {
    const app = await createApp(sut.t.url);
    const appToken = await clientCredentialsToken(sut.t.url, app, 'read write');
    await createRestAPIClient({ url: sut.t.url, accessToken: appToken }).v1.accounts.create({
      username: 'waiting',
      email: 'waiting@example.com',
      password: 'password123',
      agreement: true,
      locale: 'en',
      reason: 'Please let me in',
    });
    const id = await accountIdOf(sut, 'waiting');
    expect(await apiViews(sut, id, 'waiting')).toEqual({ byId: 404, batch: [], lookup: 404 });
  });
});
