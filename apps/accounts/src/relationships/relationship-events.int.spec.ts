import { contracts } from '@mammut/contracts';
import { createRestAPIClient } from 'masto';
import { AckPolicy, DeliverPolicy } from 'nats';
import { Client } from 'pg';
import { type EventEnvelope, eventEnvelope, streamLayout } from '@mammut/platform';
import { seedUser } from '../../../../test-e2e/support/factories';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { ExpireMutes } from './expire-mutes.service';
import { settled, startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';

jest.setTimeout(60_000);

/**
 * The running accounts service relays its outbox: a change made over HTTP reaches JetStream as
 * the event its contract declares, once, and the outbox row is marked published.
 */
describe('relationship events on JetStream', () => {
  let t: TestSystem;

  beforeAll(async () => {
    t = await startTestSystem();
  });
  afterAll(async () => {
    await t?.stop();
  });

  /**
   * Every event on one subject about `accountId`, read from the stream's start once the system
   * has settled: the outbox is published by then, so the stream holds all there will be, and a
   * duplicate would be among them.
   */
  const eventsOn = async (subject: string, accountId: string): Promise<EventEnvelope[]> => {
    await settled(t);
    const { runtime } = t.system;
    const layout = streamLayout(runtime.config.natsPrefix);
    const jsm = await runtime.nats.jetstreamManager();
    const info = await jsm.consumers.add(layout.events, {
      filter_subject: layout.subject(subject),
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.All,
      inactive_threshold: 30_000_000_000,
    });
    const consumer = await runtime.nats.jetstream().consumers.get(layout.events, info.name);
    const envelopes: EventEnvelope[] = [];
    while (envelopes.length < info.num_pending) {
      const batch = await consumer.fetch({
        max_messages: info.num_pending - envelopes.length,
        expires: 5000,
      });
      const before = envelopes.length;
      for await (const msg of batch) {
        envelopes.push(eventEnvelope.parse(JSON.parse(new TextDecoder().decode(msg.data))));
      }
      if (envelopes.length === before)
        throw new Error(`the stream held ${info.num_pending} messages; read ${before}`);
    }
    return envelopes.filter(
      (envelope) => (envelope.payload as { accountId?: string }).accountId === accountId,
    );
  };

  it('publishes follow.created for a follow made through the API, and marks the row published', async () => {
    const alice = await seedUser(t, { username: 'ev_alice' });
    const bob = await seedUser(t, { username: 'ev_bob' });
    const client = createRestAPIClient({ url: t.url, accessToken: alice.token });
    const relationship = await client.v1.accounts.$select(bob.accountId).follow();
    expect(relationship.following).toBe(true);

    const envelopes = await eventsOn('events.accounts.follow.created', alice.accountId);
    expect(envelopes).toHaveLength(1);
    const [envelope] = envelopes;
    expect(envelope.subject).toBe('events.accounts.follow.created');
    expect(envelope.payload).toMatchObject({ accountId: alice.accountId, targetAccountId: bob.accountId });

    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; published: boolean }>(
        `SELECT id::text, published_at IS NOT NULL AS published FROM accounts.outbox
          WHERE subject = $1 AND payload->>'accountId' = $2`,
        ['events.accounts.follow.created', alice.accountId],
      );
      expect(rows).toEqual([{ id: envelope.id, published: true }]);
      // The follow's id in the event is the one PostgreSQL gave its row.
      const follows = await db.query<{ id: string }>(
        `SELECT id::text FROM accounts.follows WHERE account_id = $1 AND target_account_id = $2`,
        [alice.accountId, bob.accountId],
      );
      const { followId } = contracts.accounts.relationships.events.followCreated.payload.parse(
        envelope.payload,
      );
      expect(follows.rows).toEqual([{ id: followId }]);
    } finally {
      await db.end();
    }
  });

  it('ends a timed mute when its time is up: gone from reads at once, then swept with mute.removed (expired)', async () => {
    const alice = await seedUser(t, { username: 'mute_alice' });
    const bob = await seedUser(t, { username: 'mute_bob' });
    const client = createRestAPIClient({ url: t.url, accessToken: alice.token });
    expect((await client.v1.accounts.$select(bob.accountId).mute({ duration: 1 })).muting).toBe(true);
    // A mute that never ends is not swept.
    const carol = await seedUser(t, { username: 'mute_carol' });
    await client.v1.accounts.$select(carol.accountId).mute();
    // The mute ends by PostgreSQL's clock, which the test cannot move: asked until it has ended.
    const ended = await pollUntil(
      async () => (await client.v1.accounts.relationships.fetch({ id: [bob.accountId] }))[0].muting,
      (muting) => !muting,
      5000,
    );
    expect(ended).toBe(false);
    expect((await client.v1.mutes.list()).map((a) => a.id)).toEqual([carol.accountId]);

    expect(await t.system.app.get(ExpireMutes).sweep()).toBe(1);
    expect(await t.system.app.get(ExpireMutes).sweep()).toBe(0);
    const envelopes = await eventsOn('events.accounts.mute.removed', alice.accountId);
    expect(envelopes.map((envelope) => envelope.payload)).toEqual([
      { accountId: alice.accountId, targetAccountId: bob.accountId, reason: 'expired' },
    ]);
  });
});
