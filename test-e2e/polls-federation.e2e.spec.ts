import type { mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { clientOf, followAcross } from './support/federation';
import { pollUntil } from './support/poll';
import { settled, type TestSystem, useTestSystem } from './support/system';

jest.setTimeout(120_000);

const FEDERATING = { FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' };
const AS = 'https://www.w3.org/ns/activitystreams';

const counts = (poll: mastodon.v1.Poll | null | undefined): unknown[] => [
  poll?.votesCount,
  poll?.votersCount,
  poll?.options.map((option) => option.votesCount),
];

/**
 * Polls across two instances, as between Mastodon servers: a poll posted on A arrives on B as a
 * Question with its options, B's vote goes back to A as a Note naming the option, and A's new
 * counts come to B as an Update{Question}; the same the other way round. A vote that names no
 * option of the poll (sent by a scripted peer) counts nothing and is stored as nothing.
 */
describe('polls across servers', () => {
  // A lets polls be as short as a second and sweeps often (test-only settings), so one can close.
  const a = useTestSystem({ ...FEDERATING, POLL_MIN_EXPIRATION_SECONDS: '1', POLL_SWEEP_MS: '200' });
  const b = useTestSystem(FEDERATING);
  const peer = new Peer();
  const malloryKeys = keyPair();
  let alice: SeededUser;
  let carol: SeededUser;
  let bob: SeededUser;
  /** alice's poll on A, and the same status as B shows it. */
  let alicePoll: mastodon.v1.Status;
  let alicePollOnB: mastodon.v1.Status;

  const client = clientOf;
  const all = () => Promise.all([settled(a.t), settled(b.t)]);

  /** The status `uri` as it reached `user`'s home timeline on `t`. */
  const arrived = async (t: TestSystem, user: SeededUser, uri: string): Promise<mastodon.v1.Status> => {
    const home = await pollUntil(
      async () => await client(t, user).v1.timelines.home.list(),
      (statuses) => statuses.some((status) => status.uri === uri),
      10_000,
    );
    return home.find((status) => status.uri === uri) as mastodon.v1.Status;
  };

  beforeAll(async () => {
    await peer.start();
    [alice, carol] = await seedUsers(a.t, ['alice', 'carol']);
    [bob] = await seedUsers(b.t, ['bob']);
    await followAcross(b.t, bob, `alice@${a.t.domain}`);
    await followAcross(a.t, alice, `bob@${b.t.domain}`);
    await all();
  });

  afterAll(async () => {
    await peer.stop();
  });

  it('shows alice’s poll on B with its options, counts bob’s vote on A, and A’s new counts on B', async () => {
    alicePoll = await client(a.t, alice).v1.statuses.create({
      status: 'Tea or coffee?',
      poll: { options: ['tea', 'coffee', 'neither'], expiresIn: 3600 },
    });
    alicePollOnB = await arrived(b.t, bob, alicePoll.uri);
    expect(alicePollOnB.poll).toMatchObject({
      expired: false,
      multiple: false,
      votesCount: 0,
      voted: false,
      options: [
        { title: 'tea', votesCount: 0 },
        { title: 'coffee', votesCount: 0 },
        { title: 'neither', votesCount: 0 },
      ],
    });
    expect(alicePollOnB.poll?.expiresAt).toBe(
      new Date(alicePoll.poll?.expiresAt ?? '').toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    );

    const pollOnB = alicePollOnB.poll?.id ?? '';
    const voted = await client(b.t, bob)
      .v1.polls.$select(pollOnB)
      .votes.create({ choices: [1] });
    expect([voted.voted, voted.ownVotes, ...counts(voted)]).toEqual([true, [1], 1, 1, [0, 1, 0]]);

    const pollOnA = alicePoll.poll?.id ?? '';
    const seenByAlice = await pollUntil(
      () => client(a.t, alice).v1.polls.$select(pollOnA).fetch(),
      (poll) => poll.votesCount === 1,
      10_000,
    );
    expect(counts(seenByAlice)).toEqual([1, 1, [0, 1, 0]]);
    // The vote is no status: nothing replies to the poll, on either side.
    expect((await client(a.t, alice).v1.statuses.$select(alicePoll.id).fetch()).repliesCount).toBe(0);

    // carol votes on A: A's Update{Question} brings the new counts to B.
    await client(a.t, carol)
      .v1.polls.$select(pollOnA)
      .votes.create({ choices: [0] });
    const seenByBob = await pollUntil(
      () => client(b.t, bob).v1.polls.$select(pollOnB).fetch(),
      (poll) => poll.votesCount === 2,
      10_000,
    );
    expect([seenByBob.voted, seenByBob.ownVotes, ...counts(seenByBob)]).toEqual([true, [1], 2, 2, [1, 1, 0]]);
    const inStatus = (await client(b.t, bob).v1.statuses.$select(alicePollOnB.id).fetch()).poll;
    expect(counts(inStatus)).toEqual([2, 2, [1, 1, 0]]);
  });

  it('sends alice’s votes on bob’s multiple-choice poll to B, one per option', async () => {
    const posted = await client(b.t, bob).v1.statuses.create({
      status: 'Which days?',
      poll: { options: ['Mon', 'Tue', 'Wed'], expiresIn: 3600, multiple: true },
    });
    const onA = await arrived(a.t, alice, posted.uri);
    expect(onA.poll).toMatchObject({
      multiple: true,
      options: [{ title: 'Mon' }, { title: 'Tue' }, { title: 'Wed' }],
    });

    const voted = await client(a.t, alice)
      .v1.polls.$select(onA.poll?.id ?? '')
      .votes.create({ choices: [0, 2] });
    expect([voted.ownVotes, ...counts(voted)]).toEqual([[0, 2], 2, 1, [1, 0, 1]]);

    const seenByBob = await pollUntil(
      () =>
        client(b.t, bob)
          .v1.polls.$select(posted.poll?.id ?? '')
          .fetch(),
      (poll) => poll.votesCount === 2,
      10_000,
    );
    expect(counts(seenByBob)).toEqual([2, 1, [1, 0, 1]]);
  });

  it('brings the counts a poll hid while it ran to B when it closes', async () => {
    const posted = await client(a.t, alice).v1.statuses.create({
      status: 'Secret ballot',
      poll: { options: ['yes', 'no'], expiresIn: 4, hideTotals: true },
    });
    await client(a.t, carol)
      .v1.polls.$select(posted.poll?.id ?? '')
      .votes.create({ choices: [1] });
    const onB = await arrived(b.t, bob, posted.uri);
    const closed = await pollUntil(
      () =>
        client(b.t, bob)
          .v1.polls.$select(onB.poll?.id ?? '')
          .fetch(),
      (poll) => poll.expired && poll.votesCount === 1,
      15_000,
    );
    expect(counts(closed)).toEqual([1, 1, [0, 1]]);
  });

  it('counts nothing for a vote naming no option, nor a second vote on a single-choice poll', async () => {
    const malloryId = peer.person('mallory', malloryKeys.publicKey);
    const aliceUri = `${a.t.url}/users/alice`;
    let n = 0;
    const vote = (name: string): Promise<Response> => {
      const id = `${malloryId}#votes/${++n}`;
      const activity = {
        '@context': AS,
        id: `${id}/activity`,
        type: 'Create',
        actor: malloryId,
        to: aliceUri,
        object: { id, type: 'Note', name, attributedTo: malloryId, inReplyTo: alicePoll.uri, to: aliceUri },
      };
      return deliverSigned(`${a.t.url}/users/alice/inbox`, JSON.stringify(activity), {
        keyId: `${malloryId}#main-key`,
        privateKeyPem: malloryKeys.privateKey,
      });
    };
    const pollOnA = alicePoll.poll?.id ?? '';
    const before = counts(await client(a.t, alice).v1.polls.$select(pollOnA).fetch());
    expect(before).toEqual([2, 2, [1, 1, 0]]);

    expect((await vote('biscuits')).status).toBe(202);
    await settled(a.t);
    expect(counts(await client(a.t, alice).v1.polls.$select(pollOnA).fetch())).toEqual(before);

    // A valid vote counts once; a second one on this single-choice poll does not.
    expect((await vote('neither')).status).toBe(202);
    await pollUntil(
      () => client(a.t, alice).v1.polls.$select(pollOnA).fetch(),
      (poll) => poll.votesCount === 3,
      10_000,
    );
    expect((await vote('tea')).status).toBe(202);
    await settled(a.t);
    expect(counts(await client(a.t, alice).v1.polls.$select(pollOnA).fetch())).toEqual([3, 3, [1, 1, 1]]);

    // None of them is a status: nothing was stored from mallory.
    const { rows } = await a.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM statuses.statuses WHERE uri LIKE $1`,
      [`${malloryId}%`],
    );
    expect(Number(rows[0].n)).toBe(0);
    await all();
  });
});
