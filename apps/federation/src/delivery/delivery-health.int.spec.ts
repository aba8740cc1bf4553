import { seedUsers, type SeededUser } from '../../../../test-e2e/support/factories';
import { deliverSigned, keyPair, Peer } from '../../../../test-e2e/support/peer';
import { pollUntil } from '../../../../test-e2e/support/poll';
import { useTestSystem } from '../../../../test-e2e/support/system';
import { FEDERATION_DB } from '../database/federation-database';
import type { DataSource } from 'typeorm';
import { ActivityDelivery } from './delivery';
import { CIRCUIT_THRESHOLD, DeliveryHealth, FAILURE_DAYS_THRESHOLD, hostOf } from './delivery-health';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Deliveries and the health of remote hosts, on real NATS, Redis and PostgreSQL: a host that keeps
 * failing trips its circuit (no request while it is open), a host failing on 7 distinct days is
 * unavailable (nothing queued or sent to it), and a signed request from it brings it back.
 */
describe('delivery health', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  let alice: SeededUser;

  beforeAll(async () => {
    [alice] = await seedUsers(sut.t, ['alice']);
  });

  const delivery = () => sut.t.system.app.get(ActivityDelivery);
  const health = () => sut.t.system.app.get(DeliveryHealth);
  const activity = (n: string) => JSON.stringify({ type: 'Note', id: `${sut.t.url}/notes/${n}` });

  it('opens a host’s circuit after failures in a row: the next job makes no request', async () => {
    const peer = new Peer();
    await peer.start();
    try {
      peer.postStatus = 503;
      const inbox = `${peer.origin}/inbox`;
      for (let n = 0; n < CIRCUIT_THRESHOLD; n += 1)
        await delivery().enqueue(
          { inbox, activity: activity(`c${n}`), signerAccountId: alice.accountId },
          `c${n}`,
        );
      // The tenth 503 is counted once its delivery has heard it.
      expect(
        await pollUntil(
          () => health().circuitOpen(hostOf(inbox)),
          (open) => open,
          15_000,
        ),
      ).toBe(true);
      expect(peer.posts).toBe(CIRCUIT_THRESHOLD);

      peer.postStatus = 202;
      await delivery().enqueue(
        { inbox, activity: activity('after'), signerAccountId: alice.accountId },
        'after',
      );
      await sleep(1_500);
      // Still 10: the queued job waits out the open circuit instead of calling.
      expect(peer.posts).toBe(CIRCUIT_THRESHOLD);
      expect(peer.received).toHaveLength(0);
    } finally {
      await peer.stop();
    }
  });

  it('gives up on a host failing on 7 distinct days until that host signs a request to us', async () => {
    const peer = new Peer();
    await peer.start();
    try {
      const bobKeys = keyPair();
      const bobId = peer.person('bob', bobKeys.publicKey);
      const inbox = `${peer.origin}/users/bob/inbox`;
      const host = hostOf(inbox);
      const day = (n: number) => new Date(Date.UTC(2026, 10, 1 + n, 12));
      for (let n = 0; n < FAILURE_DAYS_THRESHOLD - 1; n += 1) await health().recordFailure(host, day(n));
      expect(await health().isAvailable(host)).toBe(true);
      // Many failures on one day count once.
      await health().recordFailure(host, day(0));
      expect(await health().isAvailable(host)).toBe(true);
      await health().recordFailure(host, day(FAILURE_DAYS_THRESHOLD));
      expect(await health().isAvailable(host)).toBe(false);
      const db = sut.t.system.app.get<DataSource>(FEDERATION_DB);
      expect(await db.query(`SELECT domain FROM federation.unavailable_domains`)).toEqual([{ domain: host }]);

      await delivery().enqueue({ inbox, activity: activity('u1'), signerAccountId: alice.accountId }, 'u1');
      await sleep(1_000);
      expect(peer.posts).toBe(0);

      // bob's server signs a Follow to alice: it is up again, and deliveries flow.
      const follow = JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: `${bobId}#follows/1`,
        type: 'Follow',
        actor: bobId,
        object: `${sut.t.url}/users/alice`,
      });
      const response = await deliverSigned(`${sut.t.url}/users/alice/inbox`, follow, {
        keyId: `${bobId}#main-key`,
        privateKeyPem: bobKeys.privateKey,
      });
      expect(response.status).toBe(202);
      expect(await health().isAvailable(host)).toBe(true);
      expect(await db.query(`SELECT domain FROM federation.unavailable_domains`)).toEqual([]);
      await delivery().enqueue({ inbox, activity: activity('u2'), signerAccountId: alice.accountId }, 'u2');
      const received = await pollUntil(
        () => Promise.resolve(peer.received.map((item) => item.body.toString())),
        (bodies) => bodies.includes(activity('u2')),
        10_000,
      );
      expect(received).not.toContain(activity('u1'));
    } finally {
      await peer.stop();
    }
  });
});
