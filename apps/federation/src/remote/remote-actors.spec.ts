import type { DomainBlocks } from '../domain-blocks/domain-blocks';
import { type ActorRecord, contracts, type RemoteActorDescription } from '@mammut/contracts';
import { type Bus, OutboundHttpError, type OutboundResponse, type Runtime } from '@mammut/platform';
import { ActorGone, RemoteActors } from './remote-actors';
import type { SignedFetch } from './signed-fetch';

const ACTOR = 'https://gts.example/users/goose';
const KEY_ID = `${ACTOR}/main-key`;

const actorDocument = (keyId: string, publicKeyPem: string) => ({
  '@context': ['https://w3id.org/security/v1', 'https://www.w3.org/ns/activitystreams'],
  id: ACTOR,
  type: 'Person',
  preferredUsername: 'goose',
  inbox: `${ACTOR}/inbox`,
  publicKey: { id: keyId, owner: ACTOR, publicKeyPem },
});

/** GoToSocial's key document: a stub actor carrying the key. */
const stub = { id: ACTOR, type: 'Person', publicKey: { id: KEY_ID, owner: ACTOR, publicKeyPem: 'PEM1' } };

/** A peer serving `documents`, and an accounts service storing what is saved; both count calls. */
function setup(documents: Record<string, unknown>, keyCacheMs = 60_000) {
  const stored = new Map<string, ActorRecord>();
  const deleted: string[] = [];
  const fetched: string[] = [];
  /** How often the accounts service was asked for stored actors. */
  const asked = { count: 0 };
  const request = jest.fn((def: { subject: string }, payload: unknown): Promise<unknown> => {
    switch (def.subject) {
      case contracts.accounts.remote.getActorsByUri.subject: {
        const { uris } = payload as { uris: string[] };
        asked.count += 1;
        return Promise.resolve({ actors: uris.flatMap((uri) => stored.get(uri) ?? []) });
      }
      case contracts.accounts.remote.saveRemoteAccount.subject: {
        const saved = payload as RemoteActorDescription;
        stored.set(saved.uri, {
          ...saved,
          fetchedAt: new Date().toISOString(),
          suspended: false,
        } as unknown as ActorRecord);
        return Promise.resolve({ account: { id: '7', uri: saved.uri } });
      }
      case contracts.accounts.admin.deleteAccount.subject:
        deleted.push((payload as { accountId: string }).accountId);
        return Promise.resolve(payload);
      default:
        return Promise.reject(new Error(`unexpected request ${def.subject}`));
    }
  });
  const http = {
    get: (url: string) => {
      fetched.push(url);
      if (!(url in documents)) return Promise.reject(new Error(`unexpected fetch ${url}`));
      if (documents[url] === 410)
        return Promise.reject(new OutboundHttpError('bad_status', 'answered 410', url, 410));
      return Promise.resolve({ url, json: () => documents[url] } as unknown as OutboundResponse);
    },
  } as unknown as SignedFetch;
  const runtime = {
    config: { natsPrefix: 'test', consumeEvents: false, federation: { keyCacheMs } },
    nats: { jetstream: () => ({}) },
  } as unknown as Runtime;
  const blocks = {
    rejectsMedia: () => Promise.resolve(false),
    silencedSince: () => Promise.resolve(undefined),
  } as unknown as DomainBlocks;
  const actors = new RemoteActors(runtime, { request } as unknown as Bus, http, blocks);
  return { actors, fetched, documents, stored, asked, deleted };
}

describe('RemoteActors.keyFor with a keyId without fragment (GoToSocial)', () => {
  it('learns the owner from the key document once, then verifies the known actor without fetching', async () => {
    const { actors, fetched } = setup({ [KEY_ID]: stub, [ACTOR]: actorDocument(KEY_ID, 'PEM1') });
    expect(await actors.keyFor(KEY_ID)).toEqual({ publicKeyPem: 'PEM1', ownerId: ACTOR });
    expect(fetched).toEqual([KEY_ID, ACTOR]);
    expect(await actors.keyFor(KEY_ID)).toEqual({ publicKeyPem: 'PEM1', ownerId: ACTOR });
    expect(fetched).toEqual([KEY_ID, ACTOR]);
  });

  it('reads the key document again when the stored actor no longer names that key', async () => {
    const { actors, fetched, documents } = setup({ [KEY_ID]: stub, [ACTOR]: actorDocument(KEY_ID, 'PEM1') });
    await actors.keyFor(KEY_ID);
    // The actor rotates to another key: the remembered owner no longer vouches for the old one.
    documents[ACTOR] = actorDocument(`${ACTOR}/key-2`, 'PEM2');
    await actors.refresh(ACTOR);
    fetched.length = 0;
    expect(await actors.keyFor(KEY_ID)).toBeNull();
    expect(fetched).toEqual([KEY_ID, ACTOR]);
  });

  it('fetches again when asked for a fresh key', async () => {
    const { actors, fetched } = setup({ [KEY_ID]: stub, [ACTOR]: actorDocument(KEY_ID, 'PEM1') });
    await actors.keyFor(KEY_ID);
    fetched.length = 0;
    expect(await actors.keyFor(KEY_ID, true)).toEqual({ publicKeyPem: 'PEM1', ownerId: ACTOR });
    expect(fetched).toEqual([KEY_ID, ACTOR]);
  });
});

describe('RemoteActors.keyFor with a known actor', () => {
  const KEY = `${ACTOR}#main-key`;

  it('asks the accounts service nothing while the key read is cached, every time without the cache', async () => {
    for (const [keyCacheMs, asks] of [
      [60_000, 0],
      [0, 3],
    ]) {
      const { actors, asked } = setup({ [ACTOR]: actorDocument(KEY, 'PEM1') }, keyCacheMs);
      expect(await actors.keyFor(KEY, true)).toEqual({ publicKeyPem: 'PEM1', ownerId: ACTOR });
      asked.count = 0;
      for (let n = 0; n < 3; n += 1)
        expect(await actors.keyFor(KEY)).toEqual({ publicKeyPem: 'PEM1', ownerId: ACTOR });
      expect(asked.count).toBe(asks);
    }
  });

  it('serves the rotated key once it has been read fresh, and no other keyId of the actor', async () => {
    const { actors, documents } = setup({ [ACTOR]: actorDocument(KEY, 'PEM1') });
    await actors.keyFor(KEY);
    documents[ACTOR] = actorDocument(KEY, 'PEM2');
    expect(await actors.keyFor(KEY)).toEqual({ publicKeyPem: 'PEM1', ownerId: ACTOR });
    expect(await actors.keyFor(KEY, true)).toEqual({ publicKeyPem: 'PEM2', ownerId: ACTOR });
    expect(await actors.keyFor(KEY)).toEqual({ publicKeyPem: 'PEM2', ownerId: ACTOR });
    expect(await actors.keyFor(`${ACTOR}#other-key`)).toBeNull();
  });
});

describe('RemoteActors with an actor gone (410)', () => {
  const KEY = `${ACTOR}#main-key`;

  it('deletes the known account, refuses its key, and tells a resolver it is gone', async () => {
    const { actors, documents, stored, deleted } = setup({ [ACTOR]: actorDocument(KEY, 'PEM1') });
    await actors.keyFor(KEY);
    stored.set(ACTOR, { ...stored.get(ACTOR), id: '7' } as ActorRecord);
    documents[ACTOR] = 410;
    expect(await actors.keyFor(KEY, true)).toBeNull();
    expect(deleted).toEqual(['7']);
    await expect(actors.fetchActor(ACTOR)).rejects.toBeInstanceOf(ActorGone);
  });

  it('deletes nothing when the actor was never known', async () => {
    const { actors, deleted } = setup({ [ACTOR]: 410 });
    expect(await actors.keyFor(KEY)).toBeNull();
    expect(deleted).toEqual([]);
  });
});
