import { createRestAPIClient, type mastodon } from 'masto';
import { seedUser, type SeededUser } from '../../../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../../../test-e2e/support/system';
import { apiCall } from '../../../../../../test-e2e/support/http';

jest.setTimeout(30_000);

describe('profile routes over HTTP (masto client, real PostgreSQL, Redis and NATS)', () => {
  let t: TestSystem;
  /** Mentioned and looked up; nobody changes it. */
  let bob: SeededUser;
  let readOnly: SeededUser;

  beforeAll(async () => {
    t = await startTestSystem();
    bob = await seedUser(t, { username: 'bob' });
    readOnly = await seedUser(t, { username: 'reader', scopes: ['read'] });
  });

  afterAll(async () => {
    await t?.stop();
  });

  const call = (path: string, init: RequestInit & { token?: string } = {}): Promise<Response> =>
    apiCall(t.url, path, init);
  /** Each test changes a profile of its own: a new user, and a masto client with its token. */
  const newUser = async (username: string): Promise<{ alice: SeededUser; client: mastodon.rest.Client }> => {
    const alice = await seedUser(t, { username });
    return { alice, client: createRestAPIClient({ url: t.url, accessToken: alice.token }) };
  };

  it('verifies credentials with the source block', async () => {
    const { alice, client } = await newUser('alice');
    const me = await client.v1.accounts.verifyCredentials();
    expect(me.id).toBe(alice.accountId);
    expect(me.username).toBe('alice');
    expect(me.acct).toBe('alice');
    expect(me.url).toBe(`${t.url}/@alice`);
    expect(me.source.privacy).toBe('public');
    expect(me.source.note).toBe('');
    expect(me.avatar).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/avatars\/original\/missing\.png$/);
    expect(me.createdAt).toMatch(/T00:00:00\.000Z$/);
  });

  it('updates the profile: note rendered to HTML, fields, source settings', async () => {
    const { client } = await newUser('updater');
    const updated = await client.v1.accounts.updateCredentials({
      displayName: 'Alice A.',
      note: 'Hello @bob, see https://example.com/about #Mammut',
      locked: true,
      fieldsAttributes: [{ name: 'Site', value: 'https://alice.example' }],
      source: { privacy: 'unlisted', language: 'en' },
    });
    expect(updated.displayName).toBe('Alice A.');
    expect(updated.locked).toBe(true);
    expect(updated.note).toContain(`<a href="${t.url}/@bob" class="u-url mention">@<span>bob</span></a>`);
    expect(updated.note).toContain(
      `<a href="${t.url}/tags/mammut" class="mention hashtag" rel="tag">#<span>Mammut</span></a>`,
    );
    expect(updated.note).toContain('href="https://example.com/about"');
    expect(updated.source.note).toBe('Hello @bob, see https://example.com/about #Mammut');
    expect(updated.fields).toHaveLength(1);
    expect(updated.fields[0].name).toBe('Site');
    expect(updated.fields[0].value).toContain('href="https://alice.example"');
    expect(updated.source.fields[0].value).toBe('https://alice.example');
    expect(updated.source.privacy).toBe('unlisted');
    const prefs = await client.v1.preferences.fetch();
    expect(prefs['posting:default:visibility']).toBe('unlisted');
    expect(prefs['posting:default:language']).toBe('en');
  });

  it('sanitizes HTML and leaves SQL as text', async () => {
    const { alice, client } = await newUser('sanitized');
    const updated = await client.v1.accounts.updateCredentials({
      note: `<script>alert(1)</script><b>bold</b> '; DROP TABLE accounts.users; --`,
    });
    expect(updated.note).not.toContain('<script>');
    expect(updated.note).not.toContain('<b>');
    expect(updated.note).toContain('&lt;script&gt;');
    expect(updated.source.note).toContain('DROP TABLE');
    const again = await client.v1.accounts.verifyCredentials();
    expect(again.id).toBe(alice.accountId);
  });

  it('accepts form and multipart bodies the same as JSON', async () => {
    const { alice } = await newUser('multiformat');
    const form = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'display_name=Form+Alice&fields_attributes[0][name]=A&fields_attributes[0][value]=1&source[sensitive]=true',
    });
    expect(form.status).toBe(200);
    const formBody = (await form.json()) as {
      display_name: string;
      fields: { name: string }[];
      source: { sensitive: boolean };
    };
    expect(formBody.display_name).toBe('Form Alice');
    expect(formBody.fields.map((f) => f.name)).toEqual(['A']);
    expect(formBody.source.sensitive).toBe(true);
    const multipart = new FormData();
    multipart.append('display_name', 'Multi Alice');
    multipart.append('bot', 'false');
    const multi = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      body: multipart,
    });
    expect(multi.status).toBe(200);
    expect(((await multi.json()) as { display_name: string }).display_name).toBe('Multi Alice');
  });

  it('refuses invalid values with 422 and changes nothing', async () => {
    const { alice, client } = await newUser('unchanged');
    const before = await client.v1.accounts.verifyCredentials();
    const tooLong = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'x'.repeat(31), note: 'changed' }),
    });
    expect(tooLong.status).toBe(422);
    const body = (await tooLong.json()) as { error: string; details: Record<string, { error: string }[]> };
    expect(body.error).toMatch(/^Validation failed: /);
    expect(body.details.display_name[0].error).toBe('ERR_TOO_LONG');
    const nul = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'a\u0000b' }),
    });
    expect(nul.status).toBe(422);
    const fiveFields = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        fields_attributes: [1, 2, 3, 4, 5].map((n) => ({ name: `n${n}`, value: 'v' })),
      }),
    });
    expect(fiveFields.status).toBe(422);
    const privacy = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ source: { privacy: 'everyone' } }),
    });
    expect(privacy.status).toBe(422);
    const after = await client.v1.accounts.verifyCredentials();
    expect(after.note).toBe(before.note);
    expect(after.displayName).toBe(before.displayName);
    expect(after.fields).toEqual(before.fields);
  });

  it('answers malformed and oversize bodies with 4xx JSON, never 500', async () => {
    const { alice } = await newUser('malformed');
    const malformed = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: '{"note":',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
    const poisoned = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: '{"__proto__":{"admin":true}}',
    });
    expect(poisoned.status).toBe(400);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    const huge = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: alice.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toBeTruthy();
  });

  it('checks tokens and scopes with Mastodon errors', async () => {
    const none = await call('/api/v1/accounts/verify_credentials');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: 'The access token is invalid' });
    const forged = await call('/api/v1/accounts/verify_credentials', { token: 'forged-token' });
    expect(forged.status).toBe(401);
    const wrongScope = await call('/api/v1/accounts/update_credentials', {
      method: 'PATCH',
      token: readOnly.token,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'nope' }),
    });
    expect(wrongScope.status).toBe(403);
    expect(await wrongScope.json()).toEqual({ error: 'This action is outside the authorized scopes' });
    const reader = await call('/api/v1/accounts/verify_credentials', { token: readOnly.token });
    expect(((await reader.json()) as { display_name: string }).display_name).toBe('');
  });

  it('fetches accounts by id, in batch and by acct; unknown ids are 404', async () => {
    const { alice, client } = await newUser('fetcher');
    const fetched = await client.v1.accounts.$select(bob.accountId).fetch();
    expect(fetched.username).toBe('bob');
    const batch = await call(`/api/v1/accounts?id[]=${bob.accountId}&id[]=${alice.accountId}&id[]=1`);
    const list = (await batch.json()) as { id: string }[];
    expect(list.map((a) => a.id)).toEqual([bob.accountId, alice.accountId]);
    const looked = await client.v1.accounts.lookup({ acct: 'bob' });
    expect(looked.id).toBe(bob.accountId);
    const withDomain = await client.v1.accounts.lookup({ acct: `bob@${t.domain}` });
    expect(withDomain.id).toBe(bob.accountId);
    for (const path of [
      '/api/v1/accounts/123',
      '/api/v1/accounts/abc',
      '/api/v1/accounts/99999999999999999999999',
      '/api/v1/accounts/lookup?acct=nobody',
    ]) {
      const response = await call(path);
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: 'Record not found' });
    }
    const unknownRoute = await call('/api/v1/nothing-here');
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers.get('content-type')).toMatch(/^application\/json/);
  });
});
