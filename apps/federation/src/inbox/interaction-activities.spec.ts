import { type ActorRecord, ContractError, type StatusRecord } from '@mammut/contracts';
import type { Bus, Config } from '@mammut/platform';
import type { Relays } from '../relays/relays';
import type { ResolveRemoteStatus } from '../remote/resolve-remote-status';
import { InteractionActivities } from './interaction-activities';

const HERE = 'https://here.example';
const BOB = 'https://remote.example/users/bob';
const STATUS_URI = `${HERE}/users/alice/statuses/42`;
const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';
const REMOTE_URI = 'https://third.example/users/carol/statuses/5';

/**
 * The bus as the handler sees it: the sender and one local status known, every request it makes
 * recorded, any request it was not expected to make an error.
 */
function fakeBus(sender: Partial<ActorRecord> = {}, followed = false) {
  const calls: { subject: string; payload: Record<string, unknown> }[] = [];
  const status = { id: '42', uri: STATUS_URI, local: true, reblogOfId: null } as StatusRecord;
  const remoteStatus = { id: '77', uri: REMOTE_URI, local: false, reblogOfId: null } as StatusRecord;
  const answers: Record<string, (payload: Record<string, unknown>) => unknown> = {
    'accounts.actor.get_by_uri': () => ({
      actors: [
        {
          id: '7',
          uri: BOB,
          domain: 'remote.example',
          suspended: false,
          followersUrl: `${BOB}/followers`,
          ...sender,
        },
      ],
      missing: [],
    }),
    'statuses.status.get': ({ ids }) => ({
      statuses: [status, remoteStatus].filter((known) => (ids as string[]).includes(known.id)),
      missing: [],
    }),
    'accounts.local_follower.list': () => ({
      followers: followed ? [{ cursor: '1', accountId: '1', reblogs: true }] : [],
    }),
    'statuses.favourite.create': () => status,
    'statuses.favourite.delete': () => status,
    'statuses.remote_reblog.save': () => ({ reblog: status, created: true }),
    'statuses.remote_reblog.delete': () => ({ deleted: true }),
  };
  const bus = {
    request: (def: { subject: string }, payload: Record<string, unknown>) => {
      const answer = answers[def.subject];
      if (!answer) return Promise.reject(new Error(`unexpected request ${def.subject}`));
      calls.push({ subject: def.subject, payload });
      return Promise.resolve(answer(payload));
    },
  } as unknown as Bus;
  const writes = () =>
    calls.filter((call) => !/\.(get|list)$/.test(call.subject) && !call.subject.includes('get_by'));
  return { bus, writes };
}

/** Resolves the one remote status this suite knows of, as ResolveRemoteStatus would once fetched. */
const resolver = () => ({
  execute: jest.fn((uri: string) =>
    uri === REMOTE_URI
      ? Promise.resolve({ statusId: '77' })
      : Promise.reject(new ContractError('not_found', 'no such status')),
  ),
});

/** The relays: `relay` is one that accepted our subscription, when given. */
const relaysWith = (relay?: string) => ({ isRelay: (uri: string) => Promise.resolve(uri === relay) });

const handlerWith = (bus: Bus, resolve = resolver(), relays = relaysWith()) =>
  new InteractionActivities(
    bus,
    { publicOrigin: HERE } as Config,
    resolve as unknown as ResolveRemoteStatus,
    relays as unknown as Relays,
  );

const announce = (extra: Record<string, unknown>) => ({
  id: `${BOB}/statuses/1/activity`,
  type: 'Announce',
  actor: BOB,
  object: STATUS_URI,
  ...extra,
});

describe('InteractionActivities', () => {
  it.each([
    [{ to: [PUBLIC], cc: [`${BOB}/followers`] }, 'public'],
    [{ to: [`${BOB}/followers`], cc: ['as:Public'] }, 'unlisted'],
    [{ to: `${BOB}/followers`, cc: [] }, 'private'],
    [{ to: ['https://elsewhere.example/users/carol'] }, 'direct'],
    [{}, 'direct'],
  ])(
    'gives an Announce addressed %j the visibility %s, as Mastodon reads it',
    async (addressing, visibility) => {
      const { bus, writes } = fakeBus();
      await handlerWith(bus).apply(announce(addressing), BOB);
      expect(writes()).toEqual([
        {
          subject: 'statuses.remote_reblog.save',
          payload: {
            accountId: '7',
            uri: `${BOB}/statuses/1/activity`,
            statusId: '42',
            visibility,
            published: null,
          },
        },
      ]);
    },
  );

  it('stores no Announce whose id is on another host than its actor', async () => {
    const { bus, writes } = fakeBus();
    await handlerWith(bus).apply(announce({ id: 'https://other.example/activity/1', to: [PUBLIC] }), BOB);
    expect(writes()).toEqual([]);
  });

  it('fetches the remote status an Announce shares when someone here follows the sender', async () => {
    const followed = fakeBus({}, true);
    const resolve = resolver();
    await handlerWith(followed.bus, resolve).apply(announce({ object: REMOTE_URI, to: [PUBLIC] }), BOB);
    expect(resolve.execute).toHaveBeenCalledWith(REMOTE_URI);
    expect(followed.writes()).toEqual([
      {
        subject: 'statuses.remote_reblog.save',
        payload: {
          accountId: '7',
          uri: `${BOB}/statuses/1/activity`,
          statusId: '77',
          visibility: 'public',
          published: null,
        },
      },
    ]);
    const missing = fakeBus({}, true);
    await expect(
      handlerWith(missing.bus).apply(announce({ object: `${REMOTE_URI}0`, to: [PUBLIC] }), BOB),
    ).resolves.toBeUndefined();
    expect(missing.writes()).toEqual([]);
  });

  it('stores what a relay announces, fetched from its origin, without a reblog by the relay', async () => {
    const { bus, writes } = fakeBus();
    const resolve = resolver();
    // The relay's Announce id is on another host: what counts is the object it names.
    await handlerWith(bus, resolve, relaysWith(BOB)).apply(
      announce({ id: 'https://elsewhere.example/1', object: REMOTE_URI, to: [PUBLIC] }),
      BOB,
    );
    expect(resolve.execute).toHaveBeenCalledWith(REMOTE_URI);
    expect(writes()).toEqual([]);
  });

  it('asks nothing of a remote status an Announce from someone nobody here follows shares', async () => {
    const { bus, writes } = fakeBus();
    const resolve = resolver();
    await handlerWith(bus, resolve).apply(announce({ object: REMOTE_URI, to: [PUBLIC] }), BOB);
    expect(resolve.execute).not.toHaveBeenCalled();
    expect(writes()).toEqual([]);
  });

  it('favourites only a local status, named by the uri it was stored with', async () => {
    const { bus, writes } = fakeBus();
    const handler = handlerWith(bus);
    for (const object of [
      'https://other.example/users/alice/statuses/42',
      `${HERE}/users/mallory/statuses/42`,
      `${HERE}/users/alice/statuses/43`,
      `${HERE}/users/alice/statuses/42/activity`,
      'not a uri',
    ])
      await handler.apply({ type: 'Like', actor: BOB, object }, BOB);
    expect(writes()).toEqual([]);
    await handler.apply({ type: 'Like', actor: BOB, object: STATUS_URI }, BOB);
    expect(writes()).toEqual([
      { subject: 'statuses.favourite.create', payload: { accountId: '7', statusId: '42' } },
    ]);
  });

  it("undoes only the sender's own Like, and takes a bare Undo for an Announce's", async () => {
    const { bus, writes } = fakeBus();
    const handler = handlerWith(bus);
    const like = { type: 'Like', object: STATUS_URI };
    await handler.apply(
      { type: 'Undo', actor: BOB, object: { ...like, actor: 'https://x.example/u/eve' } },
      BOB,
    );
    expect(writes()).toEqual([]);
    await handler.apply({ type: 'Undo', actor: BOB, object: { ...like, actor: BOB } }, BOB);
    await handler.apply({ type: 'Undo', actor: BOB, object: `${BOB}/statuses/1/activity` }, BOB);
    expect(writes()).toEqual([
      { subject: 'statuses.favourite.delete', payload: { accountId: '7', statusId: '42' } },
      {
        subject: 'statuses.remote_reblog.delete',
        payload: { accountId: '7', uri: `${BOB}/statuses/1/activity` },
      },
    ]);
  });

  it('applies nothing from a suspended (deleted) sender', async () => {
    const { bus, writes } = fakeBus({ suspended: true });
    await handlerWith(bus).apply({ type: 'Like', actor: BOB, object: STATUS_URI }, BOB);
    expect(writes()).toEqual([]);
  });
});
