import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

interface Answer {
  readonly status: number;
  readonly body: { username?: string; display_name?: string; error?: string };
}

async function answer(response: Response): Promise<Answer> {
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/**
 * The bearer strategy as clients meet it: the token where Doorkeeper reads it (header, then
 * `access_token` in the query, then in the body, then `bearer_token`), Mastodon's 401 for a token
 * that grants nothing, and each gateway of a process authenticating against its own services.
 */
describe('bearer tokens through passport', () => {
  let t: TestSystem;
  let other: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;

  beforeAll(async () => {
    // Two gateways in one process, each on its own database: passport must not mix them up.
    [t, other] = await Promise.all([startTestSystem(), startTestSystem()]);
    alice = await seedUser(t, { username: 'alice' });
    bob = await seedUser(other, { username: 'bob' });
  });
  afterAll(async () => {
    await Promise.all([t?.stop(), other?.stop()]);
  });

  const verify = async (
    query = '',
    headers: Record<string, string> = {},
    system: TestSystem = t,
  ): Promise<Answer> =>
    answer(await fetch(`${system.url}/api/v1/accounts/verify_credentials${query}`, { headers }));

  it('reads the Authorization header first, and ignores tokens elsewhere when it holds one', async () => {
    const viaHeader = await verify(`?access_token=made-up`, { authorization: `Bearer ${alice.token}` });
    expect([viaHeader.status, viaHeader.body.username]).toEqual([200, 'alice']);
    const wrongHeader = await verify(`?access_token=${alice.token}`, { authorization: 'Bearer made-up' });
    expect(wrongHeader).toEqual({ status: 401, body: { error: 'The access token is invalid' } });
  });

  it('reads access_token from the query, then from the body; bearer_token last', async () => {
    expect((await verify(`?access_token=${alice.token}`)).body.username).toBe('alice');
    expect((await verify(`?bearer_token=${alice.token}`)).body.username).toBe('alice');
    // Another scheme in the header is no bearer token: the parameters are read, as Doorkeeper does.
    const basic = await verify(`?access_token=${alice.token}`, { authorization: 'Basic YWxpY2U6eA==' });
    expect(basic.body.username).toBe('alice');
    const viaBody = await answer(
      await fetch(`${t.url}/api/v1/accounts/update_credentials`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ access_token: alice.token, display_name: 'Alice' }).toString(),
      }),
    );
    expect([viaBody.status, viaBody.body.display_name]).toEqual([200, 'Alice']);
    // The query's token wins over the body's, as in Rails' params.
    const both = await answer(
      await fetch(`${t.url}/api/v1/accounts/update_credentials?access_token=made-up`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: alice.token, display_name: 'Mallory' }),
      }),
    );
    expect(both).toEqual({ status: 401, body: { error: 'The access token is invalid' } });
  });

  it('answers Mastodon’s 401 for a missing, made-up or overlong token, also where a token is optional', async () => {
    const invalid = { status: 401, body: { error: 'The access token is invalid' } };
    expect(await verify()).toEqual(invalid);
    expect(await verify('', { authorization: 'Bearer ' })).toEqual(invalid);
    expect(await verify('', { authorization: `Bearer ${'x'.repeat(600)}` })).toEqual(invalid);
    const account = `${t.url}/api/v1/accounts/${alice.accountId}`;
    expect((await fetch(account)).status).toBe(200);
    expect(await answer(await fetch(account, { headers: { authorization: 'Bearer made-up' } }))).toEqual(
      invalid,
    );
    expect(
      (await answer(await fetch(account, { headers: { authorization: `Bearer ${alice.token}` } }))).status,
    ).toBe(200);
  });

  it('authenticates each gateway’s tokens against its own accounts service', async () => {
    const auth = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
    expect((await verify('', auth(alice.token), t)).body.username).toBe('alice');
    expect((await verify('', auth(bob.token), other)).body.username).toBe('bob');
    expect((await verify('', auth(bob.token), t)).status).toBe(401);
    expect((await verify('', auth(alice.token), other)).status).toBe(401);
  });
});
