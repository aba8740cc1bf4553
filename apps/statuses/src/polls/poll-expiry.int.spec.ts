import { contracts } from '@mammut/contracts';
import { Outbox } from '@mammut/platform';
import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { statusesDataSource } from '../database/statuses-database';
import { PollExpiry } from './poll-expiry';

jest.setTimeout(90_000);

/**
 * The poll sweep as several replicas run it at once, each with its own pool: every due poll is
 * closed and announced exactly once, polls still running are left alone, and a poll whose status
 * was deleted closes without a word. The system's own sweep is set far apart so that only the
 * sweeps of the test run.
 */
describe('poll expiry across replicas', () => {
  const sut = useTestSystem({ POLL_MIN_EXPIRATION_SECONDS: '1', POLL_SWEEP_MS: '600000' });
  const bus = () => sut.t.system.runtime.bus;
  let author: SeededUser;

  beforeAll(async () => {
    author = await seedUser(sut.t, { username: 'pollster' });
  });

  const post = (expiresIn: number) =>
    bus().request(contracts.statuses.statuses.createStatus, {
      accountId: author.accountId,
      applicationId: null,
      text: `poll of ${expiresIn}s`,
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility: 'public',
      inReplyToId: null,
      idempotencyKey: null,
      poll: { options: ['yes', 'no'], expiresIn, multiple: false, hideTotals: false },
    });

  it('closes and announces each due poll once, whichever replica sweeps it', async () => {
    const due = await Promise.all(Array.from({ length: 30 }, () => post(1)));
    const running = await post(3600);
    const deleted = await post(1);
    await bus().request(contracts.statuses.statuses.deleteStatus, {
      accountId: author.accountId,
      statusId: deleted.id,
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const config = sut.t.system.runtime.config;
    // Each replica with a pool of its own, closed before the system (and its database) goes.
    const pools = await Promise.all([1, 2, 3].map(() => statusesDataSource(config).initialize()));
    try {
      const replicas = pools.map((pool) => new PollExpiry(pool, new Outbox({ schema: 'statuses' }), config));
      const closed = await Promise.all(replicas.flatMap((replica) => [replica.sweep(), replica.sweep()]));
      expect(closed.reduce((sum, n) => sum + n, 0)).toBe(31);
      expect(await replicas[0].sweep()).toBe(0);
    } finally {
      await Promise.all(pools.map((pool) => pool.destroy()));
    }

    const { rows: events } = await sut.db.query<{ status_id: string; n: string }>(
      `SELECT payload->>'statusId' AS status_id, count(*) AS n FROM statuses.outbox
        WHERE subject = 'events.statuses.poll.expired' GROUP BY 1`,
    );
    expect(new Map(events.map((row) => [row.status_id, Number(row.n)]))).toEqual(
      new Map(due.map((status) => [status.id, 1])),
    );
    const { polls } = await bus().request(contracts.statuses.polls.getPolls, {
      ids: [running.pollId ?? '', due[0].pollId ?? ''],
      viewerId: null,
    });
    expect(polls.map((poll) => [poll.statusId, poll.expired])).toEqual([
      [running.id, false],
      [due[0].id, true],
    ]);
  });
});
