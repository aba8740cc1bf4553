import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RawHttpRequest, type RawHttpResponse } from '@mammut/contracts';
import { verifySignedRequest } from '@mammut/activitypub';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import { answer } from '../http/responses';
import { PeerUnavailable, RemoteActors } from '../remote/remote-actors';

/** Nesting deeper than this in an activity is refused unread (Mastodon's JSON has a few levels). */
const MAX_DEPTH = 32;

/** An id-valued property: a string, or an object carrying an `id`. */
const idOf = (value: unknown): string | undefined =>
  typeof value === 'string'
    ? value
    : value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string'
      ? (value as { id: string }).id
      : undefined;

function depthOf(value: unknown, limit: number): number {
  if (limit < 0 || value === null || typeof value !== 'object') return 0;
  let deepest = 0;
  for (const inner of Object.values(value)) deepest = Math.max(deepest, depthOf(inner, limit - 1));
  return deepest + 1;
}

/**
 * The personal and shared inboxes: what a peer POSTs is read as JSON, its HTTP signature verified
 * on the exact bytes and headers that arrived (refetching the actor once when its key may have
 * rotated), and its actor must be the signer. Then it is applied: so far Follow, Block and their
 * Undo between the sender and a local account (a Follow of a locked one is a request); every
 * other type is accepted and ignored, never an error. 202 for anything taken, 401 for a signature that does not hold, 400
 * for what is not an activity, 503 when the signer's server cannot be asked now.
 */
@Injectable()
export class Inbox {
  private readonly log = logger('federation:inbox');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly actors: RemoteActors,
  ) {}

  async receive(request: RawHttpRequest): Promise<RawHttpResponse> {
    const body = Buffer.from(request.body ?? '', 'base64');
    let activity: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        return answer(400, 'Not an activity');
      activity = parsed as Record<string, unknown>;
    } catch {
      return answer(400, 'Body is not JSON');
    }
    if (depthOf(activity, MAX_DEPTH) > MAX_DEPTH) return answer(400, 'Activity nested too deep');
    const type = typeof activity.type === 'string' ? activity.type : undefined;
    const actorId = idOf(activity.actor);
    if (!type || !actorId) return answer(400, 'Not an activity');

    const incoming = {
      method: request.method,
      url: new URL(request.target, this.config.publicOrigin).toString(),
      headers: request.headers,
      body,
      now: new Date(),
    };
    let verified;
    try {
      verified = await verifySignedRequest(incoming, (keyId) => this.actors.keyFor(keyId));
      if (!verified.ok && verified.retryWithFreshKey && verified.keyId) {
        verified = await verifySignedRequest(incoming, (keyId) => this.actors.keyFor(keyId, true));
      }
    } catch (error) {
      if (
        error instanceof PeerUnavailable ||
        (error instanceof ContractError && error.code === 'unavailable')
      )
        return answer(503, 'The signing actor could not be fetched now');
      throw error;
    }
    if (!verified.ok) return answer(verified.status, verified.error);
    if (verified.ownerId !== actorId) return answer(401, 'The activity’s actor did not sign it');

    await this.apply(type, activity, actorId);
    return answer(202);
  }

  /**
   * What an activity does to the follow graph, as Mastodon applies it: Follow and Block of a local
   * account by the remote actor, and their Undo (named by the embedded activity, whose actor must
   * be the sender).
   */
  private async apply(type: string, activity: Record<string, unknown>, actorId: string): Promise<void> {
    const object = activity.object;
    switch (type) {
      case 'Follow': {
        const followId = idOf(activity.id);
        if (followId) await this.relate('follow', actorId, idOf(object), followId);
        return;
      }
      case 'Block':
        await this.relate('block', actorId, idOf(object));
        return;
      case 'Undo': {
        if (!object || typeof object !== 'object') return;
        const undone = object as Record<string, unknown>;
        if (idOf(undone.actor) !== actorId) return;
        if (undone.type === 'Follow') await this.relate('unfollow', actorId, idOf(undone.object));
        if (undone.type === 'Block') await this.relate('unblock', actorId, idOf(undone.object));
        return;
      }
      default:
        this.log.debug({ type, actorId }, 'activity type not handled yet; accepted');
    }
  }

  /** One change between the remote sender and a local account, through the accounts service. */
  private async relate(
    change: 'follow' | 'block' | 'unfollow' | 'unblock',
    actorId: string,
    objectId: string | undefined,
    followId?: string,
  ): Promise<void> {
    if (!objectId) return;
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: [actorId, objectId],
    });
    const sender = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    const target = actors.find((actor) => actor.uri === objectId && actor.domain === null);
    if (!sender || !target) return;
    const pair = { viewerId: sender.id, targetId: target.id };
    const relationships = contracts.accounts.relationships;
    try {
      if (change === 'follow') await this.bus.request(relationships.follow, { ...pair, uri: followId });
      else await this.bus.request(relationships[change], pair);
    } catch (error) {
      // Blocked, suspended, gone: nothing to record; the peer learns it from what we send later.
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorId, objectId, change, err: error.message }, 'relationship not changed');
        return;
      }
      throw error;
    }
  }
}
