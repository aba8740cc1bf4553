import { type ActorRecord, ContractError, contracts, type RemoteStatusDescription } from '@mammut/contracts';
import { saveRemoteAccount, seedUsers, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/**
 * `statuses.remote_status.save` and `.delete` on the real service: ids from `published`, edits
 * only by a newer `updated`, one author per uri, tombstones that outlive their status (and come
 * before it), replies linked by uri.
 */
describe('remote statuses', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let alice: SeededUser;
  let bob: ActorRecord;
  let carol: ActorRecord;
  let n = 0;

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice']);
    bob = await saveRemoteAccount(bus(), 'bob', 'peer.test');
    carol = await saveRemoteAccount(bus(), 'carol', 'peer.test');
  });

  const described = (overrides: Partial<RemoteStatusDescription> = {}): RemoteStatusDescription => ({
    uri: `https://peer.test/users/bob/statuses/${++n}`,
    url: null,
    accountId: bob.id,
    content: '<p>hello <script>x()</script></p>',
    spoilerText: '',
    sensitive: false,
    language: 'en',
    visibility: 'public',
    published: '2026-11-01T10:00:00.000Z',
    updated: null,
    inReplyToUri: null,
    mentions: [alice.accountId],
    tags: ['cats'],
    mayCreate: true,
    poll: null,
    fromUpdate: false,
    emojis: [],
    mediaIds: [],
    ...overrides,
  });

  const save = (input: RemoteStatusDescription) =>
    bus().request(contracts.statuses.remote.saveRemoteStatus, input);

  it('creates a sanitized status dated and identified by its published time', async () => {
    const { outcome, status } = await save(described({ spoilerText: 'cw' }));
    expect(outcome).toBe('created');
    expect(status).toMatchObject({
      local: false,
      accountId: bob.id,
      content: '<p>hello </p>',
      spoilerText: 'cw',
      sensitive: true,
      createdAt: '2026-11-01T10:00:00.000Z',
      mentions: [alice.accountId],
      tags: ['cats'],
    });
    expect(BigInt(status?.id ?? 0) >> 16n).toBe(BigInt(Date.parse('2026-11-01T10:00:00.000Z')));
  });

  it('edits when the status was never edited or edited earlier, and keeps the history', async () => {
    const input = described();
    await save(input);
    // Edited within the second it was published: still an edit.
    const first = await save({ ...input, content: '<p>quick fix</p>', updated: '2026-11-01T10:00:00.000Z' });
    expect(first.outcome).toBe('updated');
    const edit = await save({ ...input, content: '<p>new</p>', updated: '2026-11-02T00:00:00.000Z' });
    expect(edit).toMatchObject({
      outcome: 'updated',
      status: { content: '<p>new</p>', editedAt: '2026-11-02T00:00:00.000Z' },
    });
    // An older edit arriving late changes nothing.
    const stale = await save({ ...input, content: '<p>old</p>', updated: '2026-11-01T12:00:00.000Z' });
    expect(stale.outcome).toBe('unchanged');
    const { edits } = await bus().request(contracts.statuses.statuses.listStatusEdits, {
      statusId: edit.status?.id ?? '',
    });
    expect(edits.map((version) => version.content)).toEqual([
      '<p>hello </p>',
      '<p>quick fix</p>',
      '<p>new</p>',
    ]);
  });

  it('keeps its custom emoji with the status and with each version of it', async () => {
    const blob = { shortcode: 'blob', url: 'https://cdn.peer.test/blob.png' };
    const input = described({ content: '<p>hi :blob:</p>', emojis: [blob] });
    const created = await save(input);
    expect(created.status?.emojis).toEqual([blob]);
    // The same Create again: stored emoji compare equal, nothing changes.
    expect((await save(input)).outcome).toBe('unchanged');
    const newer = { shortcode: 'blob', url: 'https://cdn.peer.test/blob-2.png' };
    const edit = await save({ ...input, emojis: [newer], updated: '2026-11-02T00:00:00.000Z' });
    expect(edit).toMatchObject({ outcome: 'updated', status: { emojis: [newer] } });
    const [read] = (
      await bus().request(contracts.statuses.statuses.getStatuses, { ids: [created.status?.id ?? ''] })
    ).statuses;
    expect(read.emojis).toEqual([newer]);
    const { edits } = await bus().request(contracts.statuses.statuses.listStatusEdits, {
      statusId: created.status?.id ?? '',
    });
    expect(edits.map((version) => version.emojis)).toEqual([[blob], [newer]]);
  });

  it('refuses a uri that belongs to another author', async () => {
    const input = described();
    await save(input);
    await expect(save({ ...input, accountId: carol.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(save({ ...input, accountId: carol.id })).rejects.toBeInstanceOf(ContractError);
  });

  it('does not create an unknown status when mayCreate is false', async () => {
    expect((await save(described({ mayCreate: false }))).outcome).toBe('ignored');
  });

  it('links a reply to a known status by uri', async () => {
    const parent = await save(described());
    const reply = await save(described({ inReplyToUri: parent.status?.uri ?? '' }));
    expect(reply.status).toMatchObject({ inReplyToId: parent.status?.id, inReplyToAccountId: bob.id });
  });

  it('links replies stored before their parent once it arrives, and counts them', async () => {
    const parent = described();
    const early = await save(described({ inReplyToUri: parent.uri }));
    expect(early.status).toMatchObject({ inReplyToId: null, inReplyToAccountId: null });
    const arrived = await save(parent);
    const { statuses } = await bus().request(contracts.statuses.statuses.getStatuses, {
      ids: [early.status?.id ?? '', arrived.status?.id ?? ''],
    });
    expect(statuses.map((status) => [status.inReplyToId, status.repliesCount])).toEqual([
      [arrived.status?.id, 0],
      [null, 1],
    ]);
  });

  it('finds statuses by uri, and by their Mastodon page with the uri it implies', async () => {
    const page = 'https://peer.test/@bob/123';
    const stored = await save(described({ uri: 'https://peer.test/users/bob/statuses/123', url: page }));
    const lookup = (urls: string[]) => bus().request(contracts.statuses.statuses.lookupStatuses, { urls });
    const ids = async (urls: string[]) => (await lookup(urls)).statuses.map((status) => status.id);
    expect(await ids([stored.status?.uri ?? ''])).toEqual([stored.status?.id]);
    expect(await ids([page])).toEqual([stored.status?.id]);
    expect(
      await ids(['https://peer.test/@carol/123', 'https://elsewhere.test/@bob/123', 'not a url']),
    ).toEqual([]);
  });

  it('deletes for its author only, and tombstones the uri, also before the status arrives', async () => {
    const input = described();
    await save(input);
    const remove = contracts.statuses.remote.deleteRemoteStatus;
    expect(await bus().request(remove, { uri: input.uri, accountId: carol.id })).toEqual({ deleted: false });
    expect(await bus().request(remove, { uri: input.uri, accountId: bob.id })).toEqual({ deleted: true });
    expect((await save(input)).outcome).toBe('gone');
    const early = described();
    expect(await bus().request(remove, { uri: early.uri, accountId: bob.id })).toEqual({ deleted: false });
    expect((await save(early)).outcome).toBe('gone');
  });
});
