import {
  type ActorRecord,
  contracts,
  type PollRecord,
  type RemotePoll,
  type RemoteStatusDescription,
} from '@mammut/contracts';
import { saveRemoteAccount, seedUsers, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/**
 * Polls across servers on the real statuses service: a remote Question's poll stored with its
 * status and refreshed by its Updates (options changed only by an edit), local votes on it kept,
 * and remote votes on local polls counted only when valid.
 */
describe('remote polls', () => {
  const sut = useTestSystem();
  const bus = () => sut.t.system.runtime.bus;
  let alice: SeededUser;
  let carol: SeededUser;
  let bob: ActorRecord;
  let dan: ActorRecord;
  let n = 0;

  beforeAll(async () => {
    [alice, carol] = await seedUsers(sut.t, ['alice', 'carol']);
    bob = await saveRemoteAccount(bus(), 'bob', 'peer.test');
    dan = await saveRemoteAccount(bus(), 'dan', 'peer.test');
  });

  const remotePoll = (overrides: Partial<RemotePoll> = {}): RemotePoll => ({
    options: ['tea', 'coffee'],
    tallies: [3, 1],
    multiple: false,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    votersCount: 4,
    ...overrides,
  });
  const described = (overrides: Partial<RemoteStatusDescription> = {}): RemoteStatusDescription => ({
    uri: `https://peer.test/users/bob/statuses/${++n}`,
    url: null,
    accountId: bob.id,
    content: '<p>Tea or coffee?</p>',
    spoilerText: '',
    sensitive: false,
    language: 'en',
    visibility: 'public',
    published: '2026-11-01T10:00:00.000Z',
    updated: null,
    inReplyToUri: null,
    mentions: [],
    tags: [],
    mayCreate: true,
    poll: remotePoll(),
    fromUpdate: false,
    emojis: [],
    mediaIds: [],
    ...overrides,
  });
  const save = (input: RemoteStatusDescription) =>
    bus().request(contracts.statuses.remote.saveRemoteStatus, input);
  const pollOf = async (pollId: string | null | undefined, viewerId: string | null = null) =>
    (await bus().request(contracts.statuses.polls.getPolls, { ids: [pollId ?? '0'], viewerId })).polls[0];
  const counts = (poll: PollRecord | undefined) => [poll?.tallies, poll?.votesCount, poll?.votersCount];

  it('stores a remote poll with its status, and takes local votes on it', async () => {
    const input = described();
    const { outcome, status } = await save(input);
    expect(outcome).toBe('created');
    const poll = await pollOf(status?.pollId);
    expect(poll).toMatchObject({
      statusId: status?.id,
      accountId: bob.id,
      options: ['tea', 'coffee'],
      multiple: false,
      expired: false,
      expiresAt: input.poll?.expiresAt,
    });
    expect(counts(poll)).toEqual([[3, 1], 4, 4]);

    const voted = await bus().request(contracts.statuses.polls.vote, {
      accountId: alice.accountId,
      pollId: poll.id,
      choices: [1],
    });
    expect([voted.ownVotes, ...counts(voted)]).toEqual([[1], [3, 2], 5, 5]);
  });

  it('refreshes the counts and end by any Update, the options only by an edit (which drops the votes)', async () => {
    const input = described();
    const { status } = await save(input);
    const pollId = status?.pollId ?? '';
    await bus().request(contracts.statuses.polls.vote, { accountId: alice.accountId, pollId, choices: [0] });

    const closedAt = new Date(Date.now() - 1000).toISOString();
    const newer = { ...input, poll: remotePoll({ tallies: [7, 2], votersCount: 9, expiresAt: closedAt }) };
    // A Create arriving again (or late) leaves the counts as they are; an Update brings them.
    expect((await save(newer)).outcome).toBe('unchanged');
    expect(counts(await pollOf(pollId))).toEqual([[4, 1], 5, 5]);
    const refreshed = await save({ ...newer, fromUpdate: true });
    expect(refreshed.outcome).toBe('unchanged');
    const closed = await pollOf(pollId, alice.accountId);
    expect([closed.expired, closed.ownVotes, ...counts(closed)]).toEqual([true, [0], [7, 2], 9, 9]);

    // Other options without an edit change nothing; with one, they replace the poll's.
    await save({
      ...input,
      fromUpdate: true,
      poll: remotePoll({ options: ['yes', 'no', 'maybe'], tallies: [1, 1, 1] }),
    });
    expect((await pollOf(pollId)).options).toEqual(['tea', 'coffee']);
    const edited = await save({
      ...input,
      fromUpdate: true,
      updated: '2026-11-02T10:00:00.000Z',
      poll: remotePoll({ options: ['yes', 'no', 'maybe'], tallies: [1, 1, 1], votersCount: null }),
    });
    expect(edited.outcome).toBe('updated');
    const replaced = await pollOf(pollId, alice.accountId);
    expect([replaced.options, replaced.ownVotes, replaced.expired, ...counts(replaced)]).toEqual([
      ['yes', 'no', 'maybe'],
      [],
      false,
      [1, 1, 1],
      3,
      3,
    ]);
  });

  it('counts a remote vote on a local poll once; refuses what a local voter would be refused', async () => {
    const posted = await bus().request(contracts.statuses.statuses.createStatus, {
      accountId: alice.accountId,
      applicationId: null,
      text: 'Tea or coffee?',
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility: 'public',
      inReplyToId: null,
      idempotencyKey: null,
      poll: { options: ['tea', 'coffee'], expiresIn: 3600, multiple: false, hideTotals: false },
    });
    const remoteVote = (
      accountId: string,
      name: string,
      addressedIds = [alice.accountId],
      uri = posted.uri,
    ) =>
      bus().request(contracts.statuses.polls.saveRemoteVote, {
        accountId,
        statusUri: uri,
        name,
        addressedIds,
      });

    expect(await remoteVote(bob.id, 'biscuits')).toEqual({ outcome: 'notPoll' });
    expect(await remoteVote(bob.id, 'tea', [], 'https://peer.test/users/bob/statuses/1')).toEqual({
      outcome: 'notPoll',
    });
    expect(await remoteVote(bob.id, 'tea', [carol.accountId])).toEqual({ outcome: 'ignored' });
    expect(await remoteVote(bob.id, 'tea')).toEqual({ outcome: 'counted' });
    expect(await remoteVote(bob.id, 'tea')).toEqual({ outcome: 'ignored' });
    expect(await remoteVote(bob.id, 'coffee')).toEqual({ outcome: 'ignored' });
    expect(await remoteVote(dan.id, 'coffee')).toEqual({ outcome: 'counted' });
    expect(counts(await pollOf(posted.pollId))).toEqual([[1, 1], 2, 2]);

    const { rows } = await sut.db.query<{ subject: string; n: string }>(
      `SELECT count(*) AS n FROM statuses.outbox
        WHERE subject = 'events.statuses.poll.voted' AND payload->>'pollId' = $1`,
      [posted.pollId],
    );
    expect(Number(rows[0].n)).toBe(2);
  });

  it('takes no vote on a closed local poll', async () => {
    const { status } = await save(described());
    // A remote status's poll is no local poll: a vote on it is no vote here.
    expect(
      await bus().request(contracts.statuses.polls.saveRemoteVote, {
        accountId: dan.id,
        statusUri: status?.uri ?? '',
        name: 'tea',
        addressedIds: [bob.id],
      }),
    ).toEqual({ outcome: 'notPoll' });
    const posted = await bus().request(contracts.statuses.statuses.createStatus, {
      accountId: carol.accountId,
      applicationId: null,
      text: 'Closing soon',
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility: 'public',
      inReplyToId: null,
      idempotencyKey: null,
      poll: { options: ['a', 'b'], expiresIn: 3600, multiple: true, hideTotals: false },
    });
    await sut.db.query(`UPDATE statuses.polls SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      posted.pollId,
    ]);
    expect(
      await bus().request(contracts.statuses.polls.saveRemoteVote, {
        accountId: dan.id,
        statusUri: posted.uri,
        name: 'a',
        addressedIds: [carol.accountId],
      }),
    ).toEqual({ outcome: 'ignored' });
    expect(counts(await pollOf(posted.pollId))).toEqual([[0, 0], 0, 0]);
  });
});
