import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { failure, failureStatus } from './support/http';
import { settled, startTestSystem, type TestSystem } from './support/system';

jest.setTimeout(120_000);

const counts = (poll: mastodon.v1.Poll | null | undefined): unknown[] => [
  poll?.votesCount,
  poll?.votersCount,
  poll?.options.map((option) => option.votesCount),
];

/**
 * Polls through masto: posted with a status, shown inside it and on their own, voted on once by
 * whoever may see the status, hidden totals, and closed by the sweep with a notification to the
 * author and each voter. The system lets polls be as short as a second (a test-only setting), so
 * one can close while the test waits.
 */
describe('polls', () => {
  let t: TestSystem;
  let alice: SeededUser;
  let bob: SeededUser;
  let carol: SeededUser;
  const as = (user: SeededUser): mastodon.rest.Client =>
    createRestAPIClient({ url: t.url, accessToken: user.token });
  const aliceStatusCount = async (): Promise<number> =>
    (await as(alice).v1.accounts.$select(alice.accountId).statuses.list({ limit: 40 })).length;

  beforeAll(async () => {
    t = await startTestSystem({ POLL_MIN_EXPIRATION_SECONDS: '1', POLL_SWEEP_MS: '200' });
    [alice, bob, carol] = await seedUsers(t, ['alice', 'bob', 'carol']);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('posts a poll with a status, counts votes and shows each viewer their own', async () => {
    const posted = await as(alice).v1.statuses.create({
      status: 'Tea or coffee?',
      poll: { options: ['tea', ' coffee ', 'neither'], expiresIn: 3600 },
    });
    const poll = posted.poll;
    expect(poll).toMatchObject({
      expired: false,
      multiple: false,
      votesCount: 0,
      votersCount: 0,
      voted: true, // the author counts as having voted
      ownVotes: [],
      options: [
        { title: 'tea', votesCount: 0 },
        { title: 'coffee', votesCount: 0 },
        { title: 'neither', votesCount: 0 },
      ],
    });
    const expiresIn = Date.parse(poll?.expiresAt ?? '') - Date.parse(posted.createdAt);
    expect(Math.abs(expiresIn - 3_600_000)).toBeLessThan(5000);
    const pollId = poll?.id ?? '';

    const voted = await as(bob)
      .v1.polls.$select(pollId)
      .votes.create({ choices: [1] });
    expect([voted.voted, voted.ownVotes, ...counts(voted)]).toEqual([true, [1], 1, 1, [0, 1, 0]]);
    const seenByCarol = await as(carol).v1.polls.$select(pollId).fetch();
    expect([seenByCarol.voted, seenByCarol.ownVotes, ...counts(seenByCarol)]).toEqual([
      false,
      [],
      1,
      1,
      [0, 1, 0],
    ]);
    const inStatus = (await as(bob).v1.statuses.$select(posted.id).fetch()).poll;
    expect([inStatus?.id, inStatus?.voted, inStatus?.ownVotes]).toEqual([pollId, true, [1]]);
    const signedOut = (await (await fetch(`${t.url}/api/v1/polls/${pollId}`)).json()) as Record<
      string,
      unknown
    >;
    expect(signedOut).toMatchObject({ id: pollId, votes_count: 1 });
    expect('voted' in signedOut).toBe(false);
  });

  it('takes a poll as a form, as Rails nests it (poll[options][])', async () => {
    const body = new URLSearchParams([
      ['status', 'Form poll'],
      ['poll[options][]', 'left'],
      ['poll[options][]', 'right'],
      ['poll[expires_in]', '600'],
      ['poll[multiple]', 'true'],
      ['poll[hide_totals]', '0'],
    ]);
    const response = await fetch(`${t.url}/api/v1/statuses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${alice.token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
    expect(response.status).toBe(200);
    const { poll } = (await response.json()) as { poll: Record<string, unknown> };
    expect(poll).toMatchObject({
      multiple: true,
      options: [
        { title: 'left', votes_count: 0 },
        { title: 'right', votes_count: 0 },
      ],
    });
    const vote = await fetch(`${t.url}/api/v1/polls/${String(poll.id)}/votes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'choices[]=0&choices[]=1',
    });
    expect(vote.status).toBe(200);
    expect(await vote.json()).toMatchObject({ votes_count: 2, voters_count: 1, own_votes: [0, 1] });
  });

  it('refuses second votes, votes out of range, on one’s own poll and unknown polls, changing nothing', async () => {
    const posted = await as(alice).v1.statuses.create({
      status: 'Pick one',
      poll: { options: ['a', 'b'], expiresIn: 3600 },
    });
    const pollId = posted.poll?.id ?? '';
    await as(bob)
      .v1.polls.$select(pollId)
      .votes.create({ choices: [0] });
    const vote = (user: SeededUser, choices: number[]): Promise<mastodon.v1.Poll> =>
      as(user).v1.polls.$select(pollId).votes.create({ choices });

    expect(await failure(vote(bob, [1]))).toEqual({
      status: 422,
      error: 'Validation failed: You have already voted on this poll',
    });
    expect(await failure(vote(carol, [2]))).toEqual({
      status: 422,
      error: 'Validation failed: The chosen vote option does not exist',
    });
    expect(await failure(vote(carol, [0, 1]))).toEqual({
      status: 422,
      error: 'Validation failed: You have already voted on this poll',
    });
    expect(await failure(vote(alice, [0]))).toEqual({
      status: 422,
      error: 'Validation failed: You cannot vote in your own polls',
    });
    expect(
      await failureStatus(
        as(carol)
          .v1.polls.$select('999999999')
          .votes.create({ choices: [0] }),
      ),
    ).toBe(404);
    expect(await failureStatus(as(carol).v1.polls.$select('999999999').fetch())).toBe(404);
    expect(await failureStatus(as(carol).v1.polls.$select('nope').fetch())).toBe(404);

    const after = await as(carol).v1.polls.$select(pollId).fetch();
    expect([after.voted, ...counts(after)]).toEqual([false, 1, 1, [1, 0]]);
  });

  it('takes several choices on a multiple-choice poll, and hides totals until the poll ends', async () => {
    const posted = await as(alice).v1.statuses.create({
      status: 'Which days?',
      poll: { options: ['mon', 'tue', 'wed'], expiresIn: 3600, multiple: true, hideTotals: true },
    });
    const pollId = posted.poll?.id ?? '';
    const voted = await as(carol)
      .v1.polls.$select(pollId)
      .votes.create({ choices: [0, 2] });
    expect([voted.multiple, voted.ownVotes, ...counts(voted)]).toEqual([
      true,
      [0, 2],
      2,
      1,
      [null, null, null],
    ]);
    // The same option twice is refused; the counts stay.
    expect(
      await failureStatus(
        as(carol)
          .v1.polls.$select(pollId)
          .votes.create({ choices: [2] }),
      ),
    ).toBe(422);
    expect(counts(await as(alice).v1.polls.$select(pollId).fetch())).toEqual([2, 1, [null, null, null]]);
  });

  it('refuses a bad poll with its status, storing neither', async () => {
    const before = await aliceStatusCount();
    const post = (poll: mastodon.rest.v1.CreateStatusPollParam): Promise<unknown> =>
      as(alice).v1.statuses.create({ status: 'bad poll', poll });
    expect(await failure(post({ options: ['only'], expiresIn: 3600 }))).toEqual({
      status: 422,
      error: 'Validation failed: Poll options must have more than one item',
    });
    expect(await failure(post({ options: ['a', 'b', 'c', 'd', 'e'], expiresIn: 3600 }))).toEqual({
      status: 422,
      error: "Validation failed: Poll options can't contain more than 4 items",
    });
    expect(await failure(post({ options: ['a', 'b'.repeat(51)], expiresIn: 3600 }))).toEqual({
      status: 422,
      error: 'Validation failed: Poll options cannot be longer than 50 characters each',
    });
    expect(await failure(post({ options: ['same', 'same'], expiresIn: 3600 }))).toEqual({
      status: 422,
      error: 'Validation failed: Poll options contain duplicate items',
    });
    expect(await failure(post({ options: ['a', 'b'], expiresIn: 0 }))).toEqual({
      status: 422,
      error: 'Validation failed: Poll expires at is too soon',
    });
    expect(await failure(post({ options: ['a', 'b'], expiresIn: 2_629_747 }))).toEqual({
      status: 422,
      error: 'Validation failed: Poll expires at is too far into the future',
    });
    expect(await aliceStatusCount()).toBe(before);
  });

  it('hides a poll whose status the viewer may not see', async () => {
    const hidden = await as(alice).v1.statuses.create({
      status: 'Followers decide',
      visibility: 'private',
      poll: { options: ['yes', 'no'], expiresIn: 3600 },
    });
    const pollId = hidden.poll?.id ?? '';
    expect(await failureStatus(as(carol).v1.polls.$select(pollId).fetch())).toBe(404);
    expect(
      await failureStatus(
        as(carol)
          .v1.polls.$select(pollId)
          .votes.create({ choices: [0] }),
      ),
    ).toBe(404);
    expect(counts(await as(alice).v1.polls.$select(pollId).fetch())).toEqual([0, 0, [0, 0]]);
  });

  it('resets the votes when an edit changes the options', async () => {
    const posted = await as(alice).v1.statuses.create({
      status: 'Lunch?',
      poll: { options: ['pizza', 'soup'], expiresIn: 3600 },
    });
    const pollId = posted.poll?.id ?? '';
    await as(bob)
      .v1.polls.$select(pollId)
      .votes.create({ choices: [0] });
    // Same options: the votes stay.
    const kept = await as(alice)
      .v1.statuses.$select(posted.id)
      .update({ status: 'Lunch? (today)', poll: { options: ['pizza', 'soup'], expiresIn: 3600 } });
    expect(counts(kept.poll)).toEqual([1, 1, [1, 0]]);
    const changed = await as(alice)
      .v1.statuses.$select(posted.id)
      .update({ status: 'Lunch? (today)', poll: { options: ['pizza', 'salad'], expiresIn: 3600 } });
    expect(changed.poll?.options.map((o) => o.title)).toEqual(['pizza', 'salad']);
    expect(counts(changed.poll)).toEqual([0, 0, [0, 0]]);
    const revote = await as(bob)
      .v1.polls.$select(pollId)
      .votes.create({ choices: [1] });
    expect(counts(revote)).toEqual([1, 1, [0, 1]]);
    const history = await as(bob).v1.statuses.$select(posted.id).history.list();
    // masto 7.12 leaves StatusEdit's `poll` out of its type; Mastodon sends it.
    const pollOf = (version: mastodon.v1.StatusEdit): { options: { title: string }[] } | undefined =>
      (version as { poll?: { options: { title: string }[] } }).poll;
    expect(history.map((v) => pollOf(v)?.options.map((o) => o.title))).toEqual([
      ['pizza', 'soup'],
      ['pizza', 'soup'],
      ['pizza', 'salad'],
    ]);
    // An edit without a poll takes it away.
    const without = await as(alice).v1.statuses.$select(posted.id).update({ status: 'Lunch: settled' });
    expect(without.poll).toBeNull();
    expect(await failureStatus(as(bob).v1.polls.$select(pollId).fetch())).toBe(404);
  });

  it('closes a poll when its time is up and notifies the author and each voter once', async () => {
    const posted = await as(alice).v1.statuses.create({
      status: 'Quick!',
      poll: { options: ['now', 'later'], expiresIn: 2 },
    });
    const pollId = posted.poll?.id ?? '';
    await as(bob)
      .v1.polls.$select(pollId)
      .votes.create({ choices: [0] });
    const pollNotifications = async (user: SeededUser): Promise<mastodon.v1.Notification[]> =>
      as(user).v1.notifications.list({ types: ['poll'] });
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await pollNotifications(bob)).length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await settled(t);
    for (const user of [alice, bob]) {
      const notifications = await pollNotifications(user);
      expect(notifications.map((n) => [n.type, n.account.id, n.status?.id, n.status?.poll?.expired])).toEqual(
        [['poll', alice.accountId, posted.id, true]],
      );
    }
    expect(await pollNotifications(carol)).toEqual([]);
    const closed = await as(carol).v1.polls.$select(pollId).fetch();
    expect([closed.expired, ...counts(closed)]).toEqual([true, 1, 1, [1, 0]]);
    expect(
      await failure(
        as(carol)
          .v1.polls.$select(pollId)
          .votes.create({ choices: [1] }),
      ),
    ).toEqual({
      status: 422,
      error: 'Validation failed: The poll has already ended',
    });
  });
});
