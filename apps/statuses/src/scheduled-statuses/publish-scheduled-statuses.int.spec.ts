import { contracts, type StatusRecord } from '@mammut/contracts';
import type { Config } from '@mammut/platform';
import { Outbox, systemClock } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { seedUser, type SeededUser } from '../../../../test-e2e/support/factories';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { Conversations } from '../conversations/conversations.service';
import { statusesDataSource } from '../database/statuses-database';
import { Polls } from '../polls/polls.service';
import { CreateStatus, type NewStatus } from '../statuses/create-status.service';
import { PostingIdempotency } from '../statuses/posting-idempotency';
import { StatusRenderer } from '../statuses/status-input';
import { StatusRecordsCache } from '../statuses/status-cache';
import { StatusesQueries } from '../statuses/statuses.queries';
import { PublishScheduledStatuses } from './publish-scheduled-statuses';

jest.setTimeout(90_000);

/** A CreateStatus that dies right after writing its status, before the transaction commits. */
class CrashingCreateStatus extends CreateStatus {
  override async createIn(tx: EntityManager, input: NewStatus): Promise<StatusRecord> {
    await super.createIn(tx, input);
    throw new Error('crashed after posting');
  }
}

/**
 * The scheduled-status sweep as several replicas run it at once, each with its own pool: every due
 * status is posted exactly once (one status, one `status.created`), statuses not yet due stay, a
 * reply whose target is gone is dropped, and a replica that fails after writing the status posts
 * nothing and leaves the row for the next sweep. The system's own sweep is set far apart so that
 * only the sweeps of the test run.
 */
describe('publishing scheduled statuses across replicas', () => {
  const sut = useTestSystem({
    SCHEDULED_STATUS_MIN_OFFSET_SECONDS: '1',
    SCHEDULED_STATUS_SWEEP_MS: '600000',
  });
  const bus = () => sut.t.system.runtime.bus;
  let author: SeededUser;

  beforeAll(async () => {
    author = await seedUser(sut.t, { username: 'planner' });
  });

  const schedule = (text: string, scheduledAt: Date, inReplyToId: string | null = null) =>
    bus().request(contracts.statuses.scheduledStatuses.createScheduledStatus, {
      accountId: author.accountId,
      applicationId: null,
      text,
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility: 'public',
      inReplyToId,
      idempotencyKey: null,
      poll: null,
      scheduledAt: scheduledAt.toISOString(),
    });

  const replicaOf = (pool: DataSource, config: Config, make = CreateStatus) => {
    const { bus: replicaBus, redis } = sut.t.system.runtime;
    const createStatus = new make(
      pool,
      new Outbox({ schema: 'statuses' }),
      replicaBus,
      config,
      new PostingIdempotency(redis),
      // Its own cache, never trusted: no listener keeps it true, so it keeps nothing.
      new StatusesQueries(pool, new StatusRecordsCache(systemClock)),
      new StatusRenderer(replicaBus, config),
      new Polls(pool, new Outbox({ schema: 'statuses' })),
      new Conversations(pool),
    );
    return new PublishScheduledStatuses(pool, config, replicaBus, createStatus);
  };

  const postedCount = async (prefix: string): Promise<{ statuses: number; events: number }> => {
    const { rows } = await sut.db.query<{ statuses: string; events: string }>(
      `SELECT (SELECT count(*) FROM statuses.statuses WHERE text LIKE $1) AS statuses,
              (SELECT count(*) FROM statuses.outbox WHERE subject = 'events.statuses.status.created'
                  AND payload->'status'->>'text' LIKE $1) AS events`,
      [`${prefix}%`],
    );
    return { statuses: Number(rows[0].statuses), events: Number(rows[0].events) };
  };

  it('posts each due status once, whichever replica sweeps it, and leaves the rest', async () => {
    const soon = new Date(Date.now() + 4000);
    await Promise.all(Array.from({ length: 20 }, (_, i) => schedule(`due ${i}`, soon)));
    const notYet = await schedule('not yet', new Date(Date.now() + 86_400_000));
    const parent = await bus().request(contracts.statuses.statuses.createStatus, {
      accountId: author.accountId,
      applicationId: null,
      text: 'parent',
      spoilerText: '',
      sensitive: false,
      language: null,
      visibility: 'public',
      inReplyToId: null,
      idempotencyKey: null,
      poll: null,
    });
    await schedule('orphan', soon, parent.id);
    await bus().request(contracts.statuses.statuses.deleteStatus, {
      accountId: author.accountId,
      statusId: parent.id,
    });
    await new Promise((resolve) => setTimeout(resolve, soon.getTime() - Date.now() + 300));

    const config = sut.t.system.runtime.config;
    const pools = await Promise.all([1, 2, 3].map(() => statusesDataSource(config).initialize()));
    try {
      const replicas = pools.map((pool) => replicaOf(pool, config));
      const published = await Promise.all(replicas.flatMap((replica) => [replica.sweep(), replica.sweep()]));
      expect(published.reduce((sum, n) => sum + n, 0)).toBe(20);
      expect(await replicas[0].sweep()).toBe(0);
    } finally {
      await Promise.all(pools.map((pool) => pool.destroy()));
    }

    expect(await postedCount('due ')).toEqual({ statuses: 20, events: 20 });
    expect(await postedCount('orphan')).toEqual({ statuses: 0, events: 0 });
    const { rows } = await sut.db.query<{ id: string }>(
      `SELECT id FROM statuses.scheduled_statuses WHERE account_id = $1`,
      [author.accountId],
    );
    expect(rows.map((row) => row.id)).toEqual([notYet.id]);
  });

  it('posts nothing when a replica fails after writing the status, and the next sweep posts it once', async () => {
    const soon = new Date(Date.now() + 4000);
    const scheduled = await schedule('survivor', soon);
    await new Promise((resolve) => setTimeout(resolve, soon.getTime() - Date.now() + 300));

    const config = sut.t.system.runtime.config;
    const pool = await statusesDataSource(config).initialize();
    try {
      expect(await replicaOf(pool, config, CrashingCreateStatus).sweep()).toBe(0);
      expect(await postedCount('survivor')).toEqual({ statuses: 0, events: 0 });
      const { rows } = await sut.db.query(`SELECT 1 FROM statuses.scheduled_statuses WHERE id = $1`, [
        scheduled.id,
      ]);
      expect(rows).toHaveLength(1);

      expect(await replicaOf(pool, config).sweep()).toBe(1);
      expect(await postedCount('survivor')).toEqual({ statuses: 1, events: 1 });
    } finally {
      await pool.destroy();
    }
  });
});
