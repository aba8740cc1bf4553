import { contracts } from '@mammut/contracts';
import { createRestAPIClient } from 'masto';
import { AckPolicy, DeliverPolicy, type JsMsg } from 'nats';
import { Client } from 'pg';
import { eventEnvelope, streamLayout } from '@mammut/platform';
import { seedUser } from '../../../../test-e2e/support/factories';
import { ExpireMutes } from './expire-mutes.service';
import { startTestSystem, type TestSystem } from '../../../../test-e2e/support/system';

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

  /** The messages on one event subject, read by an ephemeral consumer from the stream's start. */
  const eventsOn = async (subject: string, expected: number): Promise<JsMsg[]> => {
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
    const seen: JsMsg[] = [];
    const deadline = Date.now() + 10_000;
    while (seen.length < expected && Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: 10, expires: 1000 });
      for await (const msg of batch) seen.push(msg);
    }
    // One more short look, so a duplicate would be caught too.
    const extra = await consumer.fetch({ max_messages: 10, expires: 1000 });
    for await (const msg of extra) seen.push(msg);
    return seen;
  };

  it('publishes follow.created for a follow made through the API, and marks the row published', async () => {
    const alice = await seedUser(t.databaseUrl, t.url, { username: 'ev_alice' });
    const bob = await seedUser(t.databaseUrl, t.url, { username: 'ev_bob' });
    const client = createRestAPIClient({ url: t.url, accessToken: alice.token });
    const relationship = await client.v1.accounts.$select(bob.accountId).follow();
    expect(relationship.following).toBe(true);

    const messages = await eventsOn('events.accounts.follow.created', 1);
    expect(messages).toHaveLength(1);
    const envelope = eventEnvelope.parse(JSON.parse(new TextDecoder().decode(messages[0].data)));
    expect(envelope.subject).toBe('events.accounts.follow.created');
    expect(envelope.payload).toMatchObject({ accountId: alice.accountId, targetAccountId: bob.accountId });

    const db = new Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; published: boolean }>(
        `SELECT id::text, published_at IS NOT NULL AS published FROM accounts.outbox WHERE subject = $1`,
        ['events.accounts.follow.created'],
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
    const alice = await seedUser(t.databaseUrl, t.url, { username: 'mute_alice' });
    const bob = await seedUser(t.databaseUrl, t.url, { username: 'mute_bob' });
    const client = createRestAPIClient({ url: t.url, accessToken: alice.token });
    expect((await client.v1.accounts.$select(bob.accountId).mute({ duration: 1 })).muting).toBe(true);
    // A mute that never ends is not swept.
    const carol = await seedUser(t.databaseUrl, t.url, { username: 'mute_carol' });
    await client.v1.accounts.$select(carol.accountId).mute();
    await new Promise((done) => setTimeout(done, 1200));
    const [after] = await client.v1.accounts.relationships.fetch({ id: [bob.accountId] });
    expect(after.muting).toBe(false);
    expect((await client.v1.mutes.list()).map((a) => a.id)).toEqual([carol.accountId]);

    expect(await t.system.app.get(ExpireMutes).sweep()).toBe(1);
    expect(await t.system.app.get(ExpireMutes).sweep()).toBe(0);
    const messages = await eventsOn('events.accounts.mute.removed', 1);
    expect(messages).toHaveLength(1);
    const envelope = eventEnvelope.parse(JSON.parse(new TextDecoder().decode(messages[0].data)));
    expect(envelope.payload).toEqual({
      accountId: alice.accountId,
      targetAccountId: bob.accountId,
      reason: 'expired',
    });
  });
});
