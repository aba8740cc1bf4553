import { verifySignedRequest } from '@mammut/activitypub';
import { ContractError, contracts } from '@mammut/contracts';
import { createRestAPIClient, type mastodon } from 'masto';
import { seedUsers, type SeededUser } from './support/factories';
import { deliverSigned, keyPair, Peer } from './support/peer';
import { pollUntil } from './support/poll';
import { settled, useTestSystem } from './support/system';

jest.setTimeout(90_000);

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;

type Activity = Record<string, unknown> & { type: string; actor: string; object: unknown };

/**
 * A relay, as the operator subscribes to one (`npm run mammut -- relays add <inbox>`): the
 * instance actor follows it, signed; once the relay accepts, public statuses go to its inbox (and
 * nothing else does); what the relay passes on, whether announced or forwarded with the author's
 * own Create, is fetched from its origin and shows in the federated timeline, never as the relay's
 * boost; unsubscribing sends the Undo and publishes nothing more.
 */
describe('relays', () => {
  const sut = useTestSystem({ FEDERATION_SCHEME: 'http', FEDERATION_ALLOW_PRIVATE_ADDRESSES: '127.0.0.1' });
  const relay = new Peer();
  const origin = new Peer();
  const relayKeys = keyPair();
  const carolKeys = keyPair();
  let relayActor: string;
  let relayInbox: string;
  let carol: string;
  let alice: SeededUser;
  let aliceClient: mastodon.rest.Client;

  const operator = () => {
    const bus = sut.t.system.runtime.bus;
    const relays = contracts.federation.relays;
    return {
      add: (inboxUrl: string) => bus.request(relays.add, { inboxUrl }),
      remove: (inboxUrl: string) => bus.request(relays.remove, { inboxUrl }),
      list: async () => (await bus.request(relays.list, {})).relays,
    };
  };

  /**
   * What the relay was sent; the Follow and its Undo checked signed by the instance actor (the
   * statuses are signed by their authors).
   */
  const received = async (): Promise<Activity[]> => {
    const actor = (await (
      await fetch(`${sut.t.url}/actor`, { headers: { accept: 'application/activity+json' } })
    ).json()) as { id: string; publicKey: { id: string; publicKeyPem: string } };
    return Promise.all(
      relay.activitiesAt('/inbox').map(async ({ activity, headers, body }) => {
        if (activity.type === 'Follow' || activity.type === 'Undo') {
          const verified = await verifySignedRequest(
            { method: 'POST', url: relayInbox, headers, body, now: new Date() },
            (keyId) =>
              Promise.resolve(
                keyId === actor.publicKey.id
                  ? { publicKeyPem: actor.publicKey.publicKeyPem, ownerId: actor.id }
                  : null,
              ),
          );
          expect(verified).toMatchObject({ ok: true, ownerId: `${sut.t.url}/actor` });
        }
        return activity as Activity;
      }),
    );
  };
  const creates = async (): Promise<string[]> =>
    (await received())
      .filter((activity) => activity.type === 'Create')
      .map((activity) => (activity.object as { content: string }).content);

  const fromRelay = (activity: Record<string, unknown>) =>
    deliverSigned(`${sut.t.url}/inbox`, JSON.stringify({ '@context': AS, ...activity }), {
      keyId: `${relayActor}#main-key`,
      privateKeyPem: relayKeys.privateKey,
    });

  /** A public note of carol's on the origin server. */
  const carolNote = (path: string, content: string): string => {
    const id = `${origin.origin}${path}`;
    origin.serve(path, {
      '@context': AS,
      id,
      type: 'Note',
      attributedTo: carol,
      content: `<p>${content}</p>`,
      published: new Date().toISOString(),
      to: [PUBLIC],
      cc: [`${carol}/followers`],
    });
    return id;
  };

  const federated = async (uri: string): Promise<mastodon.v1.Status> => {
    const statuses = await pollUntil(
      async () => await aliceClient.v1.timelines.public.list({ remote: true, limit: 40 }),
      (list) => list.some((status) => status.uri === uri),
      15_000,
    );
    return statuses.find((status) => status.uri === uri) as mastodon.v1.Status;
  };

  beforeAll(async () => {
    await relay.start();
    await origin.start();
    relayActor = `${relay.origin}/actor`;
    relayInbox = `${relay.origin}/inbox`;
    relay.serve('/actor', {
      '@context': [AS, 'https://w3id.org/security/v1'],
      id: relayActor,
      type: 'Application',
      preferredUsername: 'relay',
      inbox: relayInbox,
      followers: `${relay.origin}/followers`,
      publicKey: { id: `${relayActor}#main-key`, owner: relayActor, publicKeyPem: relayKeys.publicKey },
    });
    carol = origin.person('carol', carolKeys.publicKey);
    origin.webfinger('carol', carol);
    [alice] = await seedUsers(sut.t, ['alice']);
    aliceClient = createRestAPIClient({ url: sut.t.url, accessToken: alice.token });
  });

  afterAll(async () => {
    await relay.stop();
    await origin.stop();
  });

  it('subscribes with a signed Follow of the public collection from the instance actor', async () => {
    const { relay: added } = await operator().add(relayInbox);
    expect(added).toMatchObject({ inboxUrl: relayInbox, state: 'pending', actorUri: null });

    await pollUntil(
      () => Promise.resolve(relay.activitiesAt('/inbox')),
      (list) => list.length > 0,
      10_000,
    );
    const [follow] = await received();
    expect(follow).toMatchObject({
      id: added.followActivityId,
      type: 'Follow',
      actor: `${sut.t.url}/actor`,
      object: PUBLIC,
    });
    await expect(operator().add(relayInbox)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('publishes nothing to a relay that has not accepted', async () => {
    await aliceClient.v1.statuses.create({ status: 'before the relay answered' });
    await settled(sut.t);
    expect(await creates()).toEqual([]);
  });

  it('takes no answer to a Follow the relay was not sent', async () => {
    const [pending] = await operator().list();
    expect(
      (
        await fromRelay({
          id: `${relay.origin}/accept/0`,
          type: 'Accept',
          actor: relayActor,
          object: `${pending.followActivityId}x`,
        })
      ).status,
    ).toBe(202);
    await settled(sut.t);
    expect((await operator().list())[0]).toMatchObject({ state: 'pending', actorUri: null });
  });

  it('publishes public statuses, and only those, once the relay accepted', async () => {
    const [pending] = await operator().list();
    const accept = {
      id: `${relay.origin}/accept/1`,
      type: 'Accept',
      actor: relayActor,
      object: { id: pending.followActivityId, type: 'Follow', actor: `${sut.t.url}/actor`, object: PUBLIC },
    };
    expect((await fromRelay(accept)).status).toBe(202);
    await pollUntil(
      () => operator().list(),
      (list) => list[0]?.state === 'accepted',
      10_000,
    );
    expect((await operator().list())[0]).toMatchObject({ state: 'accepted', actorUri: relayActor });

    await aliceClient.v1.statuses.create({ status: 'for the whole fediverse' });
    await aliceClient.v1.statuses.create({ status: 'unlisted stays home', visibility: 'unlisted' });
    await aliceClient.v1.statuses.create({ status: 'followers only', visibility: 'private' });
    await pollUntil(creates, (list) => list.length > 0, 10_000);
    await settled(sut.t);
    const published = await creates();
    expect(published).toHaveLength(1);
    expect(published[0]).toContain('for the whole fediverse');
  });

  it('stores what the relay announces, fetched from its origin, not as a boost by the relay', async () => {
    const uri = carolNote('/notes/announced', 'relayed to you');
    const announce = {
      id: `${relay.origin}/announces/1`,
      type: 'Announce',
      actor: relayActor,
      object: uri,
      to: [PUBLIC],
    };
    expect((await fromRelay(announce)).status).toBe(202);
    const status = await federated(uri);
    expect(status).toMatchObject({ reblog: null, account: { acct: `carol@${new URL(origin.origin).host}` } });
    expect(status.content).toContain('relayed to you');
  });

  it('reads a Create the relay forwards from the origin, not from what the relay sent', async () => {
    const uri = carolNote('/notes/forwarded', 'what carol wrote');
    const forwarded = {
      id: `${uri}/activity`,
      type: 'Create',
      actor: carol,
      object: {
        id: uri,
        type: 'Note',
        attributedTo: carol,
        content: '<p>what the relay claims</p>',
        to: [PUBLIC],
      },
      to: [PUBLIC],
    };
    expect((await fromRelay(forwarded)).status).toBe(202);
    const status = await federated(uri);
    expect(status.content).toContain('what carol wrote');
    expect(status.content).not.toContain('the relay claims');
  });

  it('still refuses what someone who is not a relay signs for another actor', async () => {
    const stranger = keyPair();
    const dave = origin.person('dave', stranger.publicKey);
    const uri = carolNote('/notes/not-relayed', 'never through dave');
    const response = await deliverSigned(
      `${sut.t.url}/inbox`,
      JSON.stringify({ '@context': AS, id: `${uri}/activity`, type: 'Create', actor: carol, object: uri }),
      { keyId: `${dave}#main-key`, privateKeyPem: stranger.privateKey },
    );
    expect(response.status).toBe(401);
    await settled(sut.t);
    expect((await aliceClient.v2.search.list({ q: uri, type: 'statuses' })).statuses).toEqual([]);
  });

  it('publishes nothing to a relay that rejected the subscription', async () => {
    const refusing = new Peer();
    await refusing.start();
    try {
      const actor = `${refusing.origin}/actor`;
      const keys = keyPair();
      refusing.serve('/actor', {
        '@context': [AS, 'https://w3id.org/security/v1'],
        id: actor,
        type: 'Service',
        preferredUsername: 'relay',
        inbox: `${refusing.origin}/inbox`,
        publicKey: { id: `${actor}#main-key`, owner: actor, publicKeyPem: keys.publicKey },
      });
      const { relay: added } = await operator().add(`${refusing.origin}/inbox`);
      const reject = {
        '@context': AS,
        id: `${refusing.origin}/reject/1`,
        type: 'Reject',
        actor,
        object: added.followActivityId,
      };
      const response = await deliverSigned(`${sut.t.url}/inbox`, JSON.stringify(reject), {
        keyId: `${actor}#main-key`,
        privateKeyPem: keys.privateKey,
      });
      expect(response.status).toBe(202);
      const rejected = await pollUntil(
        async () => (await operator().list()).find((found) => found.inboxUrl === added.inboxUrl),
        (found) => found?.state === 'rejected',
        10_000,
      );
      expect(rejected).toMatchObject({ state: 'rejected', actorUri: actor });

      await aliceClient.v1.statuses.create({ status: 'not for the refusing relay' });
      await settled(sut.t);
      expect(refusing.activitiesAt('/inbox').map(({ activity }) => activity.type)).toEqual(['Follow']);
      await operator().remove(added.inboxUrl);
      await pollUntil(
        () => Promise.resolve(refusing.activitiesAt('/inbox').length),
        (count) => count === 2,
        10_000,
      );
    } finally {
      await refusing.stop();
    }
  });

  it('unsubscribes with the Undo of its Follow, and publishes nothing more', async () => {
    const [accepted] = await operator().list();
    const published = (await creates()).length;
    await operator().remove(relayInbox);
    expect(await operator().list()).toEqual([]);
    const undo = await pollUntil(
      async () => (await received()).find((activity) => activity.type === 'Undo'),
      (found) => found !== undefined,
      10_000,
    );
    expect(undo).toMatchObject({
      actor: `${sut.t.url}/actor`,
      object: { id: accepted.followActivityId, type: 'Follow', object: PUBLIC },
    });

    await aliceClient.v1.statuses.create({ status: 'after the relay left' });
    await settled(sut.t);
    expect(await creates()).toHaveLength(published);
    await expect(operator().remove(relayInbox)).rejects.toBeInstanceOf(ContractError);
    await expect(operator().add('ftp://relay.example/inbox')).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });
});
