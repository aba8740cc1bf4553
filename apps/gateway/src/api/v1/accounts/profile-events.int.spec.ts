import { createRestAPIClient } from 'masto';
import { registerAndSignIn } from '../../../../../../test-e2e/support/oauth';
import { useTestSystem } from '../../../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/**
 * Profile changes made through the API are facts other services hear about: the accounts outbox
 * holds each one, written in the transaction that made it, exactly when something changed.
 */
describe('profile changes over HTTP become account events', () => {
  const sut = useTestSystem();

  const eventsOf = async (accountId: string): Promise<[string, Record<string, unknown>][]> =>
    (
      await sut.db.query<{ subject: string; payload: Record<string, unknown> }>(
        `SELECT subject, payload FROM accounts.outbox
          WHERE payload->>'accountId' = $1 OR payload->>'targetAccountId' = $1 ORDER BY id`,
        [accountId],
      )
    ).rows.map((row) => [row.subject, row.payload]);

  it('signs up as account.created and user.activated, names what update_credentials changed, and says nothing for no change', async () => {
    const hana = await registerAndSignIn(sut.t.url, { username: 'hana' });
    const client = createRestAPIClient({ url: sut.t.url, accessToken: hana.token });
    await client.v1.accounts.updateCredentials({
      displayName: 'Hana',
      note: 'hello',
      bot: false,
      fieldsAttributes: [{ name: 'Site', value: 'https://hana.example' }],
      source: { privacy: 'private' },
    });
    // The same values again, and a setting that is not part of the public profile.
    await client.v1.accounts.updateCredentials({ displayName: 'Hana', source: { language: 'de' } });
    const { rows: users } = await sut.db.query<{ id: string }>(
      `SELECT id::text FROM accounts.users WHERE account_id = $1`,
      [hana.accountId],
    );
    expect(await eventsOf(hana.accountId)).toEqual([
      ['events.accounts.account.created', { accountId: hana.accountId, username: 'hana', domain: null }],
      // No SMTP and open registrations: confirmed and approved at sign-up.
      ['events.accounts.user.activated', { accountId: hana.accountId, userId: users[0].id }],
      [
        'events.accounts.account.updated',
        { accountId: hana.accountId, changed: ['display_name', 'note', 'fields'] },
      ],
    ]);
  });

  it('unlocking lets pending requests in, each as an authorized request and a new follow', async () => {
    const [ivo, jan] = [
      await registerAndSignIn(sut.t.url, { username: 'ivo' }),
      await registerAndSignIn(sut.t.url, { username: 'jan' }),
    ];
    const ivoClient = createRestAPIClient({ url: sut.t.url, accessToken: ivo.token });
    await ivoClient.v1.accounts.updateCredentials({ locked: true });
    const requested = await createRestAPIClient({ url: sut.t.url, accessToken: jan.token })
      .v1.accounts.$select(ivo.accountId)
      .follow();
    expect(requested.requested).toBe(true);
    await ivoClient.v1.accounts.updateCredentials({ locked: false });
    const events = await eventsOf(ivo.accountId);
    const pair = { accountId: jan.accountId, targetAccountId: ivo.accountId };
    expect(events.map(([subject]) => subject)).toEqual([
      'events.accounts.account.created',
      'events.accounts.user.activated',
      'events.accounts.account.updated',
      'events.accounts.follow_request.created',
      'events.accounts.account.updated',
      'events.accounts.follow_request.authorized',
      'events.accounts.follow.created',
    ]);
    expect(events[2][1]).toEqual({ accountId: ivo.accountId, changed: ['locked'] });
    expect(events[5][1]).toMatchObject(pair);
    expect(events[6][1]).toMatchObject(pair);
    const relationship = await createRestAPIClient({
      url: sut.t.url,
      accessToken: jan.token,
    }).v1.accounts.relationships.fetch({ id: [ivo.accountId] });
    expect(relationship[0]).toMatchObject({ following: true, requested: false });
  });
});
