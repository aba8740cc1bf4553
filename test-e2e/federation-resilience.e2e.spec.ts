import { CLOCK, type Clock } from '@mammut/platform';
import { createRestAPIClient, type mastodon } from 'masto';
import { DeliveryHealth, FAILURE_DAYS_THRESHOLD } from '../apps/federation/src/delivery/delivery-health';
import { seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer, type SigningKey } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(180_000);

const AS = 'https://www.w3.org/ns/activitystreams';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * How a Mammut instance holds up when its peers misbehave, through public HTTP against real
 * components (NATS, PostgreSQL, Redis, the guarded outbound client), with scriptable fake peers on
 * loopback: a peer rotating its key, a peer down for a week, an actor gone (410), and lookups that
 * would make the instance call a private address. Time is moved with the system's injected clock
 * (CLOCK), never waited for.
 */
describe('federation resilience', () => {
  // Only 127.0.0.1 is excepted from the outbound guard: 127.0.0.2 is as private as 10.0.0.1 to it.
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  let alice: SeededUser;
  let carol: SeededUser;
  let dave: SeededUser;
  let aliceClient: mastodon.rest.Client;
  const peers: Peer[] = [];

  beforeAll(async () => {
    [alice, carol, dave] = await seedUsers(sut.t, ['alice', 'carol', 'dave']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
  });

  afterAll(async () => {
    for (const peer of peers) await peer.stop();
  });

  const startPeer = async (options: { host?: string } = {}): Promise<Peer> => {
    const peer = new Peer();
    await peer.start(options);
    peers.push(peer);
    return peer;
  };

  /** Moves the system's clock `offsetMs()` ahead of real time until the returned restore is called. */
  const fakeClock = (offsetMs: () => number): (() => void) => {
    const clock = sut.t.system.app.get<symbol, Clock>(CLOCK);
    const now = jest.spyOn(clock, 'now').mockImplementation(() => new Date(Date.now() + offsetMs()));
    const millis = jest.spyOn(clock, 'millis').mockImplementation(() => Date.now() + offsetMs());
    return () => {
      now.mockRestore();
      millis.mockRestore();
    };
  };

  const follow = (actor: string, object: string, n: string): string =>
    JSON.stringify({ '@context': AS, id: `${actor}#follows/${n}`, type: 'Follow', actor, object });

  /** The accts following a local account, as anyone reads them. */
  const followersOf = async (accountId: string): Promise<string[]> => {
    const response = await fetch(`${sut.t.url}/api/v1/accounts/${accountId}/followers`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { acct: string }[]).map((account) => account.acct);
  };

  /** `/api/v2/search?resolve=true` as alice's app asks it: the status and the body, whatever they are. */
  const search = async (
    q: string,
    type?: 'accounts' | 'statuses',
  ): Promise<{
    status: number;
    body: { accounts?: { id: string; acct: string }[]; statuses?: unknown[] };
  }> => {
    const query = new URLSearchParams({ q, resolve: 'true', ...(type ? { type } : {}) });
    const response = await fetch(`${sut.t.url}/api/v2/search?${query.toString()}`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    return { status: response.status, body: (await response.json()) as never };
  };

  /** What the peer's shared inbox received, as the raw bodies. */
  const bodiesAt = (peer: Peer): Promise<string[]> =>
    Promise.resolve(peer.activitiesAt('/inbox').map((item) => item.body.toString()));

  describe('a remote actor rotating its key', () => {
    it('is accepted after one refetch of its actor, and the old key is refused (401) and changes nothing', async () => {
      const peer = await startPeer();
      const oldKeys = keyPair();
      const bobId = peer.person('bob', oldKeys.publicKey);
      const bobAcct = `bob@${new URL(peer.origin).host}`;
      const oldKey: SigningKey = { keyId: `${bobId}#main-key`, privateKeyPem: oldKeys.privateKey };

      const first = await deliverSigned(
        `${sut.t.url}/users/alice/inbox`,
        follow(bobId, `${sut.t.url}/users/alice`, '1'),
        oldKey,
      );
      expect(first.status).toBe(202);
      expect(
        await pollUntil(
          () => followersOf(alice.accountId),
          (accts) => accts.includes(bobAcct),
          20_000,
        ),
      ).toEqual([bobAcct]);

      // bob's server rotates his key: same keyId, another key pair, served at once.
      const newKeys = keyPair();
      peer.person('bob', newKeys.publicKey);
      const newKey: SigningKey = { keyId: `${bobId}#main-key`, privateKeyPem: newKeys.privateKey };
      const actorFetches = () => peer.gets.filter((get) => get.path === '/users/bob').length;
      const before = actorFetches();
      const rotated = await deliverSigned(
        `${sut.t.url}/users/carol/inbox`,
        follow(bobId, `${sut.t.url}/users/carol`, '2'),
        newKey,
      );
      expect(rotated.status).toBe(202);
      // The stored key failed, the actor was read once more, and its new key verified.
      expect(actorFetches()).toBe(before + 1);
      expect(
        await pollUntil(
          () => followersOf(carol.accountId),
          (accts) => accts.includes(bobAcct),
          20_000,
        ),
      ).toEqual([bobAcct]);

      // Someone holding the old key signs as bob: refused, however often the actor is read again.
      const stale = await deliverSigned(
        `${sut.t.url}/users/dave/inbox`,
        follow(bobId, `${sut.t.url}/users/dave`, '3'),
        oldKey,
      );
      expect(stale.status).toBe(401);
      expect(((await stale.json()) as { error?: string }).error).toEqual(expect.any(String));
      await settled(sut.t);
      expect(await followersOf(dave.accountId)).toEqual([]);
      // The new key still holds after the refusal: the old one did not come back.
      const again = await deliverSigned(
        `${sut.t.url}/users/dave/inbox`,
        follow(bobId, `${sut.t.url}/users/dave`, '4'),
        newKey,
      );
      expect(again.status).toBe(202);
      expect(
        await pollUntil(
          () => followersOf(dave.accountId),
          (accts) => accts.includes(bobAcct),
          20_000,
        ),
      ).toEqual([bobAcct]);
    });
  });

  describe('a peer that is down', () => {
    it('gets its deliveries retried, is marked unavailable after failures on 7 distinct days, and comes back when it signs a request', async () => {
      const health = sut.t.system.app.get(DeliveryHealth);
      // erin's server goes down; frank's stays up, and shows when alice's fan-out has run.
      const down = await startPeer();
      const up = await startPeer();
      const erinKeys = keyPair();
      const frankKeys = keyPair();
      const erinId = down.person('erin', erinKeys.publicKey);
      const frankId = up.person('frank', frankKeys.publicKey);
      const erinKey: SigningKey = { keyId: `${erinId}#main-key`, privateKeyPem: erinKeys.privateKey };
      for (const [actor, key, n] of [
        [erinId, erinKey, 'e'],
        [frankId, { keyId: `${frankId}#main-key`, privateKeyPem: frankKeys.privateKey }, 'f'],
      ] as const) {
        const response = await deliverSigned(
          `${sut.t.url}/users/alice/inbox`,
          follow(actor, `${sut.t.url}/users/alice`, n),
          key,
        );
        expect(response.status).toBe(202);
      }
      const host = new URL(down.origin).host;
      const { port } = down;
      const followers = [`erin@${host}`, `frank@${new URL(up.origin).host}`];
      expect(
        await pollUntil(
          () => followersOf(alice.accountId),
          (accts) => followers.every((acct) => accts.includes(acct)),
          20_000,
        ),
      ).toEqual(expect.arrayContaining(followers));
      // Both Accepts are out before erin's server goes down.
      await pollUntil(
        () => bodiesAt(down),
        (bodies) => bodies.length > 0,
        20_000,
      );
      await pollUntil(
        () => bodiesAt(up),
        (bodies) => bodies.length > 0,
        20_000,
      );

      // Down (connection refused): the first try fails, is counted, and is retried once it is back.
      await down.stop();
      const retried = await aliceClient.v1.statuses.create({ status: 'while erin’s server is down' });
      expect(
        await pollUntil(
          () => health.failureDays(host),
          (days) => days.length === 1,
          30_000,
        ),
      ).toHaveLength(1);
      expect((await bodiesAt(down)).some((body) => body.includes(retried.uri))).toBe(false);
      await down.start({ port });
      // Mastodon's first retry waits 15 s.
      const received = await pollUntil(
        () => bodiesAt(down),
        (bodies) => bodies.some((body) => body.includes(retried.uri)),
        60_000,
        250,
      );
      expect(received.some((body) => body.includes(retried.uri))).toBe(true);
      // The answer cleared the failure.
      expect(
        await pollUntil(
          () => health.failureDays(host),
          (days) => days.length === 0,
          10_000,
        ),
      ).toEqual([]);

      // Down for a week: one failure on each of 7 distinct days, the clock moved a day at a time.
      await down.stop();
      let offset = 0;
      const restore = fakeClock(() => offset);
      try {
        for (let day = 0; day < FAILURE_DAYS_THRESHOLD; day += 1) {
          offset = day * DAY_MS;
          const today = new Date(Date.now() + offset).toISOString().slice(0, 10);
          await aliceClient.v1.statuses.create({ status: `day ${day} of erin’s server being down` });
          const days = await pollUntil(
            () => health.failureDays(host),
            (found) => found.includes(today),
            30_000,
          );
          expect(days).toContain(today);
        }
        expect(await health.failureDays(host)).toHaveLength(FAILURE_DAYS_THRESHOLD);
        // The mark follows the seventh day's record (written to Redis first, then PostgreSQL).
        expect(
          await pollUntil(
            () => health.isAvailable(host),
            (available) => !available,
            10_000,
          ),
        ).toBe(false);
      } finally {
        restore();
      }
      const unavailable = await sut.db.query(
        `SELECT domain FROM federation.unavailable_domains WHERE domain = $1`,
        [host],
      );
      expect(unavailable.rows).toEqual([{ domain: host }]);

      // erin's server is back but unavailable to us: nothing new is attempted (frank's copy shows
      // the fan-out has run), and old jobs still retrying are dropped without a request.
      await down.start({ port });
      const postsBefore = down.posts;
      const skipped = await aliceClient.v1.statuses.create({ status: 'erin’s server is unavailable' });
      await pollUntil(
        () => bodiesAt(up),
        (bodies) => bodies.some((body) => body.includes(skipped.uri)),
        20_000,
      );
      expect(down.posts).toBe(postsBefore);

      // erin signs a request to alice: her server is up, the mark goes, and deliveries resume.
      const update = JSON.stringify({
        '@context': AS,
        id: `${erinId}#updates/1`,
        type: 'Update',
        actor: erinId,
        object: erinId,
      });
      expect((await deliverSigned(`${sut.t.url}/inbox`, update, erinKey)).status).toBe(202);
      expect(await health.isAvailable(host)).toBe(true);
      const resumed = await aliceClient.v1.statuses.create({ status: 'erin’s server is back' });
      const bodies = await pollUntil(
        () => bodiesAt(down),
        (found) => found.some((body) => body.includes(resumed.uri)),
        20_000,
      );
      expect(bodies.some((body) => body.includes(resumed.uri))).toBe(true);
      expect(bodies.some((body) => body.includes(skipped.uri))).toBe(false);
      expect(
        (await sut.db.query(`SELECT domain FROM federation.unavailable_domains WHERE domain = $1`, [host]))
          .rows,
      ).toEqual([]);
    });
  });

  describe('an actor that is gone (410)', () => {
    it('resolves to no account when never known, without a 500', async () => {
      const peer = await startPeer();
      const host = new URL(peer.origin).host;
      peer.webfinger('gone', `${peer.origin}/users/gone`);
      peer.answer('/users/gone', 410);
      const byHandle = await search(`@gone@${host}`, 'accounts');
      expect(byHandle.status).toBe(200);
      expect(byHandle.body).toMatchObject({ accounts: [] });
      const byUrl = await search(`${peer.origin}/users/gone`);
      expect(byUrl.status).toBe(200);
      expect(byUrl.body).toMatchObject({ accounts: [], statuses: [] });
      expect(peer.gets.some((get) => get.path === '/users/gone')).toBe(true);
    });

    it('deletes a known account whose actor answers 410 when it is next resolved, as Mastodon does', async () => {
      const peer = await startPeer();
      const host = new URL(peer.origin).host;
      const ghostId = peer.person('ghost', keyPair().publicKey);
      peer.webfinger('ghost', ghostId);
      const found = await search(`@ghost@${host}`, 'accounts');
      expect(found.status).toBe(200);
      expect(found.body.accounts?.map((account) => account.acct)).toEqual([`ghost@${host}`]);
      const { id } = (found.body.accounts ?? [])[0];

      peer.answer('/users/ghost', 410);
      // A day later the account is worth confirming again (Mastodon's possibly_stale?).
      const restore = fakeClock(() => DAY_MS + 60_000);
      let again: Awaited<ReturnType<typeof search>>;
      try {
        again = await search(`@ghost@${host}`, 'accounts');
      } finally {
        restore();
      }
      expect(again.status).toBe(200);
      expect(again.body.accounts).toEqual([]);
      // Gone here too: suspended and emptied, as Mastodon's deletion of a remote account leaves it.
      const shown = await fetch(`${sut.t.url}/api/v1/accounts/${id}`, {
        headers: { authorization: `Bearer ${alice.token}` },
      });
      if (shown.status === 200)
        expect((await shown.json()) as { suspended?: boolean }).toMatchObject({ suspended: true });
      else expect(shown.status).toBe(404);
      const row = await sut.db.query(
        `SELECT deleted_at IS NOT NULL AS deleted, suspended_at IS NOT NULL AS suspended FROM accounts.accounts WHERE id = $1`,
        [id],
      );
      expect(row.rows).toEqual([{ deleted: true, suspended: true }]);
    });
  });

  describe('lookups aimed at private addresses (SSRF)', () => {
    it('refuses every path to a private address other than the allowed one, sending it nothing', async () => {
      // A trap on 127.0.0.2: loopback like the allowed 127.0.0.1, yet not allowed.
      const trap = await startPeer({ host: '127.0.0.2' });
      trap.person('x', keyPair().publicKey);
      trap.webfinger('x', `${trap.origin}/users/x`);
      const trapHost = new URL(trap.origin).host;
      // An allowed peer that points or redirects there.
      const peer = await startPeer();
      const host = new URL(peer.origin).host;
      const resource = (user: string) =>
        `/.well-known/webfinger?resource=${encodeURIComponent(`acct:${user}@${host}`)}`;
      peer.answer(resource('redirected'), 302, `${trap.origin}${resource('redirected')}`);
      peer.webfinger('pointer', `${trap.origin}/users/x`);
      peer.answer('/users/moved', 301, `${trap.origin}/users/x`);
      peer.answer('/statuses/1', 302, `${trap.origin}/statuses/1`);

      const attempts: [string, 'accounts' | 'statuses' | undefined][] = [
        [`@x@${trapHost}`, 'accounts'],
        [`${trap.origin}/users/x`, undefined],
        [`${trap.origin}/@x/1`, 'statuses'],
        [`@redirected@${host}`, 'accounts'],
        [`@pointer@${host}`, 'accounts'],
        [`${peer.origin}/users/moved`, undefined],
        [`${peer.origin}/statuses/1`, 'statuses'],
        ['@x@10.0.0.1', 'accounts'],
        ['@x@169.254.169.254', 'accounts'],
        ['http://169.254.169.254/latest/meta-data/', undefined],
        ['http://[::1]/users/x', undefined],
        ['http://[::ffff:127.0.0.2]/users/x', undefined],
      ];
      for (const [q, type] of attempts) {
        const { status, body } = await search(q, type);
        expect({ q, status, accounts: body.accounts ?? [], statuses: body.statuses ?? [] }).toEqual({
          q,
          status: 200,
          accounts: [],
          statuses: [],
        });
      }
      // An activity signed with a key on the trap: the key is not fetched, the signature not taken.
      const mallory = keyPair();
      const signed = await deliverSigned(
        `${sut.t.url}/inbox`,
        follow(`${trap.origin}/users/x`, `${sut.t.url}/users/alice`, 'ssrf'),
        { keyId: `${trap.origin}/users/x#main-key`, privateKeyPem: mallory.privateKey },
      );
      expect(signed.status).toBe(401);
      expect(trap.connections).toBe(0);
      // The allowed peer was asked: the refusals happened on the way, not for want of trying.
      expect(peer.gets.map((get) => get.path)).toEqual(
        expect.arrayContaining([resource('redirected'), resource('pointer'), '/users/moved', '/statuses/1']),
      );
    });
  });
});
