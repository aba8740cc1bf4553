import { Inject, Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { type ActorRecord, ContractError, contracts } from '@mammut/contracts';
import type { PublicKeyRecord } from '@mammut/activitypub';
import { BUS, type Bus, Jobs, logger, OutboundHttpError, RUNTIME, type Runtime } from '@mammut/platform';
import { parseActorDocument, type ParsedActor } from './actor-document-parser';
import { SignedFetch } from './signed-fetch';
import { DomainBlocks } from '../domain-blocks/domain-blocks';

type ParsedKeys = Extract<ParsedActor, { ok: true }>['keys'];

/** What peers are asked for when an actor document is fetched. */
const ACTOR_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';
const ACTOR_TYPES = ['application/activity+json', 'application/ld+json', 'application/json'];
/** The `type`s of an actor, as a key document may be one (a stub actor carrying the key). */
const ACTOR_DOCUMENT_TYPES = ['Person', 'Service', 'Group', 'Application', 'Organization'];

interface KnownKey {
  readonly keyId: string;
  readonly key: PublicKeyRecord;
  readonly fetchedAt: string | null;
}

/** A peer that could not be asked now: the sender should retry later (503), not be refused. */
export class PeerUnavailable extends Error {}

/**
 * The actor's server answered 410 Gone for it: the actor is deleted there. A known account was
 * deleted here (Mastodon's FetchRemoteActorService suspends and deletes it on a 410).
 */
export class ActorGone extends Error {
  constructor(readonly uri: string) {
    super(`${uri} is gone`);
    this.name = 'ActorGone';
  }
}

/** Down, too slow or failing (5xx): worth asking again later, unlike a refusal or a bad document. */
export function peerUnavailable(error: unknown): error is OutboundHttpError {
  if (!(error instanceof OutboundHttpError)) return false;
  if (error.code === 'network' || error.code === 'timeout') return true;
  return error.code === 'bad_status' && (error.status ?? 0) >= 500;
}

export type FetchedActor = Extract<ParsedActor, { ok: true }>;

const refreshActor = contracts.federation.jobs.refreshActor;

/** A copy of a remote actor older than this is read again when the actor next signs something. */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

const stale = (fetchedAt: string | null): boolean =>
  fetchedAt === null || Date.now() - Date.parse(fetchedAt) > STALE_AFTER_MS;

/**
 * Remote actors: their documents, checked, and the key a keyId names, from the accounts service
 * when the actor is known there, else fetched from its server (through the guarded client only),
 * checked and saved, so the account exists before anything it sent is applied. Fetches are signed
 * by the instance actor. A known actor whose copy is over a day old is read again in the
 * background (`jobs.federation.actor.refresh`) when it next signs something.
 */
@Injectable()
export class RemoteActors {
  private readonly log = logger('federation:actors');

  private readonly jobs: Jobs;
  /**
   * The actor each standalone keyId (GoToSocial's `<actor>/main-key`, no fragment) was found to
   * belong to, so a known actor's next signature needs no fetch of its key document. Only a hint:
   * the key counts only when the stored actor, read from its own document, names that keyId.
   */
  private readonly keyOwners = new LRUCache<string, string>({ max: 10_000 });
  /**
   * Stored keys as recently read, by actor (FEDERATION_KEY_CACHE_SECONDS): an inbox taking a burst
   * from one server asks the accounts service once a minute per actor, not once per activity. A
   * rotated key misses (its keyId or its signature differs) and is read fresh, which replaces it.
   */
  private readonly knownKeys?: LRUCache<string, KnownKey>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    private readonly http: SignedFetch,
    private readonly blocks: DomainBlocks,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
    const ttl = runtime.config.federation.keyCacheMs;
    if (ttl > 0) this.knownKeys = new LRUCache({ max: 10_000, ttl });
  }

  /** Refreshes stale actors as they are asked for (unless this process only serves requests). */
  async start(): Promise<void> {
    if (!this.runtime.config.consumeEvents) return;
    await this.jobs.work(refreshActor, ({ uri }) => this.refresh(uri), {
      maxAttempts: 3,
      backoffMs: [60_000, 600_000],
      concurrency: 4,
    });
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  /**
   * The key `keyId` names and its actor; `fresh` fetches the actor again (a rotated key). A keyId
   * that is not a fragment of its actor (GoToSocial's `<actor>/main-key`) names its actor only in
   * the document it serves, so that document is fetched first to learn the owner, once: the owner
   * is remembered (keyOwners) and checked against the stored actor on later signatures.
   */
  async keyFor(keyId: string, fresh = false): Promise<PublicKeyRecord | null> {
    if (keyId.includes('#')) return this.keyOfActor(keyId, keyId.split('#')[0], fresh);
    const remembered = fresh ? undefined : this.keyOwners.get(keyId);
    const key = remembered ? await this.knownKey(keyId, remembered) : null;
    if (key) return key;
    const owner = await this.ownerOfKey(keyId);
    const found = owner ? await this.keyOfActor(keyId, owner, fresh) : null;
    if (found) this.keyOwners.set(keyId, found.ownerId);
    else this.keyOwners.delete(keyId);
    return found;
  }

  /** The key `keyId` names among `actorUri`'s keys: the stored copy's unless `fresh`, else its document's. */
  private async keyOfActor(keyId: string, actorUri: string, fresh: boolean): Promise<PublicKeyRecord | null> {
    const known = fresh ? null : await this.knownKey(keyId, actorUri);
    return known ?? this.readFromOrigin(actorUri, (keys) => keys.find((candidate) => candidate.id === keyId));
  }

  /** The stored remote actor's key when it is the one `keyId` names (a stale copy is refreshed later). */
  private async knownKey(keyId: string, actorUri: string): Promise<PublicKeyRecord | null> {
    let known = this.knownKeys?.get(actorUri);
    if (!known) {
      const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
        uris: [actorUri],
      });
      const actor = actors[0];
      if (!actor || actor.domain === null || !actor.publicKey || !actor.publicKeyId) return null;
      known = {
        keyId: actor.publicKeyId,
        key: { publicKeyPem: actor.publicKey, ownerId: actor.uri },
        fetchedAt: actor.fetchedAt,
      };
      this.knownKeys?.set(actorUri, known);
    }
    if (known.keyId !== keyId) return null;
    if (stale(known.fetchedAt)) await this.refreshLater(known.key.ownerId);
    return known.key;
  }

  /**
   * The actor a standalone key document names, as Mastodon's FetchRemoteKeyService reads one: an
   * actor (GoToSocial serves a stub Person carrying the key) names itself by `id`, a bare key by
   * `owner`. Nothing is trusted from it: the key counts only if the actor's own document lists it.
   */
  private async ownerOfKey(keyId: string): Promise<string | null> {
    let json: unknown;
    try {
      json = (
        await this.http.get(keyId, { headers: { accept: ACTOR_ACCEPT }, contentTypes: ACTOR_TYPES })
      ).json();
    } catch (error) {
      if (peerUnavailable(error)) throw new PeerUnavailable(error.message);
      this.log.info(
        { keyId, err: error instanceof Error ? error.message : String(error) },
        'key not fetched',
      );
      return null;
    }
    if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
    const document = json as Record<string, unknown>;
    const owner = ACTOR_DOCUMENT_TYPES.includes(String(document.type)) ? document.id : document.owner;
    return typeof owner === 'string' ? owner : null;
  }

  /** Queues a refresh of the actor, once a day at most; a queue that cannot take it now costs nothing. */
  private async refreshLater(uri: string): Promise<void> {
    try {
      await this.jobs.enqueue(
        refreshActor,
        { uri },
        { jobId: `refresh:${uri}:${new Date().toISOString().slice(0, 10)}` },
      );
    } catch (error) {
      this.log.warn(
        { uri, err: error instanceof Error ? error.message : String(error) },
        'refresh not queued',
      );
    }
  }

  /** Whether the accounts service has a remote account for the actor (nothing is fetched). */
  async isKnown(actorUri: string): Promise<boolean> {
    return (await this.knownRemote(actorUri)) !== undefined;
  }

  /**
   * Reads a known remote actor again from its own server and saves what it says now, as Mastodon
   * reprocesses an account on an Update of it: never from a copy that came from elsewhere. The key
   * it was known by is kept while the document still has it, else its first key is taken.
   * Nothing happens for an actor not known here (it is fetched when it first signs something).
   */
  async refresh(actorUri: string): Promise<void> {
    const known = await this.knownRemote(actorUri);
    if (!known) return;
    await this.readFromOrigin(
      actorUri,
      (keys) => keys.find((candidate) => candidate.id === known.publicKeyId) ?? keys[0],
    );
  }

  /**
   * Reads an actor from its own server now, known here or not, and saves it: what is checked
   * against must not be a stored copy (a Move's target and its `alsoKnownAs`). False when the
   * document is missing or not acceptable.
   */
  async reload(actorUri: string): Promise<boolean> {
    const known = await this.knownRemote(actorUri);
    const key = await this.readFromOrigin(
      actorUri,
      (keys) => keys.find((candidate) => candidate.id === known?.publicKeyId) ?? keys[0],
    );
    return key !== null;
  }

  private async knownRemote(actorUri: string): Promise<ActorRecord | undefined> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: [actorUri],
    });
    return actors.find((actor) => actor.uri === actorUri && actor.domain !== null);
  }

  /**
   * The actor document at `uri`, fetched through the guarded client and checked; null when it is
   * missing or not acceptable (logged), PeerUnavailable when its server cannot be asked now,
   * ActorGone (after deleting the account known by that id) when its server answers 410.
   */
  async fetchActor(uri: string): Promise<FetchedActor | null> {
    let json: unknown;
    try {
      const response = await this.http.get(uri, {
        headers: { accept: ACTOR_ACCEPT },
        contentTypes: ACTOR_TYPES,
      });
      // A redirect elsewhere is not the document the id names: Mastodon refuses it too.
      if (response.url !== uri) return null;
      json = response.json();
    } catch (error) {
      if (peerUnavailable(error)) throw new PeerUnavailable(error.message);
      if (error instanceof OutboundHttpError && error.code === 'bad_status' && error.status === 410) {
        await this.forget(uri);
        throw new ActorGone(uri);
      }
      this.log.info(
        { uri, err: error instanceof Error ? error.message : String(error) },
        'actor not fetched',
      );
      return null;
    }
    const parsed = parseActorDocument(json, uri);
    if (!parsed.ok) {
      this.log.info({ uri, error: parsed.error }, 'actor document refused');
      return null;
    }
    let actor = parsed.actor;
    // A domain whose media is rejected keeps its accounts without their pictures and emoji.
    if (await this.blocks.rejectsMedia(actor.domain))
      actor = { ...actor, avatarRemoteUrl: null, headerRemoteUrl: null, emojis: [] };
    // A silenced domain's new accounts start limited.
    const silencedSince = await this.blocks.silencedSince(actor.domain);
    if (silencedSince) actor = { ...actor, silencedSince };
    return actor === parsed.actor ? parsed : { ...parsed, actor };
  }

  /**
   * Deletes the remote account known by `uri`, if any, as a Delete of the actor would: its server
   * says it is gone. Idempotent.
   */
  async forget(uri: string): Promise<void> {
    const known = await this.knownRemote(uri);
    if (!known) return;
    this.log.info({ uri, accountId: known.id }, 'actor gone from its server; account deleted');
    this.knownKeys?.delete(uri);
    try {
      await this.bus.request(contracts.accounts.admin.deleteAccount, { accountId: known.id });
    } catch (error) {
      if (!(error instanceof ContractError && error.code === 'not_found')) throw error;
    }
  }

  /** Fetches the actor, checks it, and saves it with the key `choose` picks of its keys; null when it is gone. */
  private async readFromOrigin(
    actorUri: string,
    choose: (keys: ParsedKeys) => ParsedKeys[number] | undefined,
  ): Promise<PublicKeyRecord | null> {
    let parsed: FetchedActor | null;
    try {
      parsed = await this.fetchActor(actorUri);
    } catch (error) {
      if (error instanceof ActorGone) return null;
      throw error;
    }
    const key = parsed ? choose(parsed.keys) : undefined;
    if (!parsed || !key) return null;
    try {
      await this.bus.request(contracts.accounts.remote.saveRemoteAccount, {
        ...parsed.actor,
        publicKey: key.publicKeyPem,
        publicKeyId: key.id,
      });
    } catch (error) {
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorUri, err: error.message }, 'remote actor not saved');
        return null;
      }
      throw error;
    }
    const read = { publicKeyPem: key.publicKeyPem, ownerId: parsed.actor.uri };
    this.knownKeys?.set(read.ownerId, { keyId: key.id, key: read, fetchedAt: new Date().toISOString() });
    return read;
  }
}
