import { ContractError, contracts } from '@mammut/contracts';
import { saveRemoteAccount, seedUser } from '../../../../test-e2e/support/factories';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(90_000);

const remote = contracts.statuses.remoteInteractions;

/**
 * Remote reblogs as federation records them through the bus: one per account and status under
 * the Announce's id, only of a status everyone may see; withdrawn only by their own account; and
 * a deleted account's statuses, reblogs and favourites purged with it.
 */
describe('remote reblogs', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let authorId: string;
  let bobId: string;
  let carolId: string;

  beforeAll(async () => {
    authorId = (await seedUser(sut.t, { username: 'author' })).accountId;
    bobId = (await saveRemoteAccount(bus(), 'bob', 'remote.example')).id;
    carolId = (await saveRemoteAccount(bus(), 'carol', 'remote.example')).id;
  });

  const post = async (visibility: 'public' | 'private' = 'public', accountId = authorId) =>
    bus().request(contracts.statuses.statuses.createStatus, {
      accountId,
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

  const reblogsCount = async (statusId: string) =>
    (await bus().request(contracts.statuses.statuses.getStatuses, { ids: [statusId] })).statuses[0]
      ?.reblogsCount;

  const errorOf = (pending: Promise<unknown>) =>
    pending.then(
      () => 'none',
      (error: unknown) => (error instanceof ContractError ? error.code : String(error)),
    );

  it('saves one reblog per account and status under the Announce id, with the visibility given', async () => {
    const status = await post();
    const uri = 'https://remote.example/users/bob/statuses/1/activity';
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const first = await bus().request(remote.saveRemoteReblog, {
      accountId: bobId,
      uri,
      statusId: status.id,
      visibility: 'unlisted',
      published: future,
    });
    expect(first.created).toBe(true);
    expect(first.reblog).toMatchObject({ uri, accountId: bobId, local: false, visibility: 'unlisted' });
    expect(first.reblog.reblogOfId).toBe(status.id);
    expect(Date.parse(first.reblog.createdAt)).toBeLessThanOrEqual(Date.now());

    const again = await bus().request(remote.saveRemoteReblog, {
      accountId: bobId,
      uri: 'https://remote.example/users/bob/statuses/2/activity',
      statusId: status.id,
      visibility: 'public',
      published: null,
    });
    expect(again).toEqual({ reblog: first.reblog, created: false });
    expect(await reblogsCount(status.id)).toBe(1);

    // The uri is bob's reblog of this status: carol cannot take it, nor can it name another status.
    const other = await post();
    expect(
      await errorOf(
        bus().request(remote.saveRemoteReblog, {
          accountId: carolId,
          uri,
          statusId: status.id,
          visibility: 'public',
          published: null,
        }),
      ),
    ).toBe('conflict');
    expect(
      await errorOf(
        bus().request(remote.saveRemoteReblog, {
          accountId: bobId,
          uri,
          statusId: other.id,
          visibility: 'public',
          published: null,
        }),
      ),
    ).toBe('conflict');

    expect(await bus().request(remote.deleteRemoteReblog, { accountId: carolId, uri })).toEqual({
      deleted: false,
    });
    expect(await reblogsCount(status.id)).toBe(1);
    expect(await bus().request(remote.deleteRemoteReblog, { accountId: bobId, uri })).toEqual({
      deleted: true,
    });
    expect(await reblogsCount(status.id)).toBe(0);
  });

  it('shares no private status, and no reblog', async () => {
    const secret = await post('private');
    const save = (statusId: string) =>
      bus().request(remote.saveRemoteReblog, {
        accountId: bobId,
        uri: `https://remote.example/users/bob/statuses/${statusId}/activity`,
        statusId,
        visibility: 'public',
        published: null,
      });
    expect(await errorOf(save(secret.id))).toBe('unprocessable');
    const shared = await post();
    const { reblog } = await save(shared.id);
    expect(await errorOf(save(reblog.id))).toBe('not_found');
  });

  it('purges what a deleted account did: its statuses and their reblogs, its reblogs, its favourites', async () => {
    const doraId = (await seedUser(sut.t, { username: 'dora' })).accountId;
    const status = await post();
    const dorasOwn = await post('public', doraId);
    await bus().request(contracts.statuses.interactions.favourite, {
      accountId: doraId,
      statusId: status.id,
    });
    const { reblog: dorasReblog } = await bus().request(contracts.statuses.interactions.reblog, {
      accountId: doraId,
      statusId: status.id,
      visibility: null,
    });
    const { reblog: ofDoras } = await bus().request(remote.saveRemoteReblog, {
      accountId: bobId,
      uri: 'https://remote.example/users/bob/statuses/9/activity',
      statusId: dorasOwn.id,
      visibility: 'public',
      published: null,
    });

    await bus().request(contracts.accounts.admin.deleteAccount, { accountId: doraId });
    // Not settled(): the deletion is also sent as Delete{actor} to remote.example, which never
    // answers here, so that delivery waits for its next try for as long as the test runs.
    const { statuses, missing } = await pollUntil(
      () =>
        bus().request(contracts.statuses.statuses.getStatuses, {
          ids: [status.id, dorasOwn.id, dorasReblog.id, ofDoras.id],
        }),
      (found) => found.missing.length === 3 && found.statuses[0]?.favouritesCount === 0,
      10_000,
    );
    expect(missing).toEqual([dorasOwn.id, dorasReblog.id, ofDoras.id]);
    expect(statuses).toEqual([
      expect.objectContaining({ id: status.id, favouritesCount: 0, reblogsCount: 0 }),
    ]);
  });
});
