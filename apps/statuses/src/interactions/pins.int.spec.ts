import { ContractError, contracts, STATUS_LIMITS, type Visibility } from '@mammut/contracts';
import { saveRemoteAccount, seedUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(90_000);

const interactions = contracts.statuses.interactions;
const remote = contracts.statuses.remoteInteractions;

/**
 * Pins through the bus: a real pin or unpin is announced once (pin.created, pin.removed, with the
 * pin's id), a repeated one not at all; a remote account's pins, by the uri its server names,
 * follow Mastodon's rules for them (any but direct, no local limit, only its own statuses).
 */
describe('pins', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let aliceId: string;
  let bobId: string;
  let carolId: string;
  let n = 0;

  beforeAll(async () => {
    aliceId = (await seedUser(sut.t, { username: 'alice' })).accountId;
    bobId = (await saveRemoteAccount(bus(), 'bob', 'remote.example')).id;
    carolId = (await saveRemoteAccount(bus(), 'carol', 'remote.example')).id;
  });

  const post = (visibility: Visibility = 'public') =>
    bus().request(contracts.statuses.statuses.createStatus, {
      accountId: aliceId,
      applicationId: null,
      text: `a ${visibility} status`,
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility,
      inReplyToId: null,
      idempotencyKey: null,
      poll: null,
    });

  /** A status of a remote account, as federation stores a Note; answers its uri. */
  const remotePost = async (accountId: string, visibility: Visibility = 'public'): Promise<string> => {
    n += 1;
    const uri = `https://remote.example/users/${accountId}/statuses/${n}`;
    await bus().request(contracts.statuses.remote.saveRemoteStatus, {
      uri,
      url: null,
      accountId,
      content: '<p>remote</p>',
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility,
      published: new Date(Date.now() - n * 1000).toISOString(),
      updated: null,
      inReplyToUri: null,
      mentions: [],
      tags: [],
      mayCreate: true,
    });
    return uri;
  };

  const pinEvents = async (statusId: string): Promise<[string, string][]> =>
    (
      await sut.db.query<{ subject: string; pin_id: string }>(
        `SELECT subject, payload->>'pinId' AS pin_id FROM statuses.outbox
          WHERE subject LIKE 'events.statuses.pin.%' AND payload->>'statusId' = $1 ORDER BY id`,
        [statusId],
      )
    ).rows.map((row) => [row.subject, row.pin_id]);

  const pinnedBy = async (accountId: string): Promise<string[]> =>
    (
      await bus().request(contracts.statuses.statuses.listAuthorStatuses, {
        accountId,
        visibilities: ['public', 'unlisted', 'private'],
        mentioning: null,
        excludeReplies: false,
        tagged: null,
        pinned: true,
        page: { limit: 40 },
      })
    ).statuses.map((status) => status.uri);

  it('announces a pin and an unpin once each, naming the pin', async () => {
    const status = await post();
    await bus().request(interactions.pin, { accountId: aliceId, statusId: status.id });
    await bus().request(interactions.pin, { accountId: aliceId, statusId: status.id });
    await bus().request(interactions.unpin, { accountId: aliceId, statusId: status.id });
    await bus().request(interactions.unpin, { accountId: aliceId, statusId: status.id });
    const events = await pinEvents(status.id);
    expect(events.map(([subject]) => subject)).toEqual([
      'events.statuses.pin.created',
      'events.statuses.pin.removed',
    ]);
    expect(events[0][1]).toMatch(/^\d+$/);
    expect(events[1][1]).toBe(events[0][1]);
  });

  it('pins a remote account’s own statuses by uri, private ones too and past the local limit', async () => {
    const uris: string[] = [];
    for (let i = 0; i <= STATUS_LIMITS.pins; i += 1) uris.push(await remotePost(bobId));
    uris.push(await remotePost(bobId, 'private'));
    for (const uri of uris) {
      const { statusId } = await bus().request(remote.saveRemotePin, { accountId: bobId, uri });
      expect(statusId).toMatch(/^\d+$/);
    }
    expect((await pinnedBy(bobId)).sort()).toEqual([...uris].sort());

    const { statusId } = await bus().request(remote.deleteRemotePin, { accountId: bobId, uri: uris[0] });
    expect(statusId).toMatch(/^\d+$/);
    expect(await pinnedBy(bobId)).not.toContain(uris[0]);
  });

  it('records nothing for a direct status, another account’s status, or an unknown uri', async () => {
    const direct = await remotePost(carolId, 'direct');
    const carols = await remotePost(carolId);
    expect(await bus().request(remote.saveRemotePin, { accountId: carolId, uri: direct })).toEqual({
      statusId: null,
    });
    expect(await bus().request(remote.saveRemotePin, { accountId: bobId, uri: carols })).toEqual({
      statusId: null,
    });
    expect(
      await bus().request(remote.saveRemotePin, {
        accountId: carolId,
        uri: 'https://remote.example/nothing',
      }),
    ).toEqual({ statusId: null });
    expect(await pinnedBy(carolId)).toEqual([]);
    // A local status is never a remote account's, whatever its uri.
    const local = await post();
    expect(await bus().request(remote.saveRemotePin, { accountId: bobId, uri: local.uri })).toEqual({
      statusId: null,
    });
  });

  it('still refuses a local pin of a private status', async () => {
    const errorOf = (pending: Promise<unknown>) =>
      pending.then(
        () => 'none',
        (error: unknown) => (error instanceof ContractError ? error.code : String(error)),
      );
    const priv = await post('private');
    expect(await errorOf(bus().request(interactions.pin, { accountId: aliceId, statusId: priv.id }))).toBe(
      'unprocessable',
    );
  });
});
