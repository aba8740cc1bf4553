import { createOAuthAPIClient, createRestAPIClient, type mastodon } from 'masto';
import { randomBytes } from 'node:crypto';
import { authorizeWithPkce, registerAndSignIn } from './support/oauth';
import { startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(90_000);

/**
 * The foundation's whole story in one run, as a Mastodon app lives it, through public HTTP and
 * masto only: an app is registered, a person signs up with the app's token and signs in through
 * the authorization-code flow with PKCE on the HTML forms, edits the profile, follows a locked
 * account and is accepted, blocks and mutes, and finally revokes the token and is refused.
 */
describe('a newcomer from sign-up to revoked token', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('walks the whole story', async () => {
    // The people already there: a locked account to follow, and someone to block.
    const carol = await registerAndSignIn(t.url, { username: 'carol' });
    const troll = await registerAndSignIn(t.url, { username: 'troll' });
    const asCarol = createRestAPIClient({ url: t.url, accessToken: carol.token });
    const asTroll = createRestAPIClient({ url: t.url, accessToken: troll.token });
    expect((await asCarol.v1.accounts.updateCredentials({ locked: true })).locked).toBe(true);

    // 1. The app registers itself and signs the newcomer up with a client-credentials token.
    const app = await createRestAPIClient({ url: t.url }).v1.apps.create({
      clientName: 'Story client',
      redirectUris: 'https://story.example/callback',
      scopes: 'read write follow',
      website: 'https://story.example',
    });
    expect(app.name).toBe('Story client');
    const clientId = app.clientId ?? '';
    const clientSecret = app.clientSecret ?? '';
    const oauth = createOAuthAPIClient({ url: t.url });
    const appToken = await oauth.token.create({
      grantType: 'client_credentials',
      clientId,
      clientSecret,
      redirectUri: 'https://story.example/callback',
      scope: 'write',
    });
    const password = `pw-${randomBytes(8).toString('hex')}`;
    const signUp = await createRestAPIClient({
      url: t.url,
      accessToken: appToken.accessToken,
    }).v1.accounts.create({
      username: 'newcomer',
      email: 'newcomer@example.com',
      password,
      agreement: true,
      locale: 'en',
    });
    expect(signUp.accessToken).toEqual(expect.any(String));

    // 2. Sign-in through the HTML forms: authorize → sign in → consent → code → token with the verifier.
    const { token } = await authorizeWithPkce(t.url, {
      app: {
        clientId,
        clientSecret,
        redirectUri: 'https://story.example/callback',
        scopes: 'read write follow',
      },
      email: 'newcomer@example.com',
      password,
      scopes: 'read write follow',
    });
    expect(token.scope).toBe('read write follow');
    const me = createRestAPIClient({ url: t.url, accessToken: token.accessToken });
    const credentials = await me.v1.accounts.verifyCredentials();
    expect(credentials.username).toBe('newcomer');
    expect(credentials.acct).toBe('newcomer');
    expect(credentials.source.privacy).toBe('public');

    // 3. The profile: a note with a hashtag and a link, rendered to HTML; two fields; a bot flag.
    const updated = await me.v1.accounts.updateCredentials({
      displayName: 'New Comer',
      note: 'Hello #fediverse, see https://example.org',
      bot: true,
      fieldsAttributes: [
        { name: 'Pronouns', value: 'they/them' },
        { name: 'Site', value: 'https://new.example' },
      ],
    });
    expect(updated.displayName).toBe('New Comer');
    expect(updated.bot).toBe(true);
    expect(updated.note).toContain(`href="${t.url}/tags/fediverse"`);
    expect(updated.note).toContain('href="https://example.org"');
    expect(updated.source.note).toBe('Hello #fediverse, see https://example.org');
    expect(updated.fields.map((f) => f.name)).toEqual(['Pronouns', 'Site']);
    const seenByCarol = await asCarol.v1.accounts.$select(credentials.id).fetch();
    expect(seenByCarol.displayName).toBe('New Comer');

    // 4. Following a locked account is a request until carol authorizes it.
    const requested = await me.v1.accounts.$select(carol.accountId).follow({ reblogs: false });
    expect(requested).toMatchObject({ following: false, requested: true, showingReblogs: false });
    const pending = await asCarol.v1.followRequests.list();
    expect(pending.map((a) => a.id)).toEqual([credentials.id]);
    const authorized = await asCarol.v1.followRequests.$select(credentials.id).authorize();
    expect(authorized).toMatchObject({ followedBy: true, requestedBy: false });
    const [afterAccept] = await me.v1.accounts.relationships.fetch({ id: [carol.accountId] });
    expect(afterAccept).toMatchObject({
      id: carol.accountId,
      following: true,
      requested: false,
      showingReblogs: false,
    });
    const followers = await asCarol.v1.accounts.$select(carol.accountId).followers.list();
    expect(followers.map((a) => a.id)).toEqual([credentials.id]);

    // 5. A block ends the troll's follow; a timed mute hides carol's notifications.
    await asTroll.v1.accounts.$select(credentials.id).follow();
    expect((await me.v1.accounts.verifyCredentials()).followersCount).toBe(1);
    const blocked = await me.v1.accounts.$select(troll.accountId).block();
    expect(blocked).toMatchObject({ blocking: true, followedBy: false });
    expect((await me.v1.accounts.verifyCredentials()).followersCount).toBe(0);
    await expect(asTroll.v1.accounts.$select(credentials.id).follow()).rejects.toMatchObject({
      statusCode: 403,
    });
    const muted = await me.v1.accounts.$select(carol.accountId).mute({ duration: 3600, notifications: true });
    expect(muted).toMatchObject({ muting: true, mutingNotifications: true, following: true });
    expect((await me.v1.blocks.list()).map((a) => a.id)).toEqual([troll.accountId]);
    expect((await me.v1.mutes.list()).map((a) => a.id)).toEqual([carol.accountId]);

    // 6. Revoking the token: every later call with it is 401 with Mastodon's body.
    await oauth.revoke({ clientId, clientSecret, token: token.accessToken });
    const refused = await fetch(`${t.url}/api/v1/accounts/verify_credentials`, {
      headers: { authorization: `Bearer ${token.accessToken}` },
    });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'The access token is invalid' });
    await expect(me.v1.accounts.verifyCredentials()).rejects.toMatchObject({ statusCode: 401 });
    // The people and relationships it made stay.
    const [still] = await asCarol.v1.accounts.relationships.fetch({ id: [credentials.id] });
    expect(still).toMatchObject({ followedBy: true } satisfies Partial<mastodon.v1.Relationship>);
  });
});
