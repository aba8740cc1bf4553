import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RawHttpRequest, type RawHttpResponse } from '@mammut/contracts';
import { verifySignedRequest } from '@mammut/activitypub';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import { PeerUnavailable, RemoteActors } from '../remote/remote-actors';

/** Nesting deeper than this in an activity is refused unread (Mastodon's JSON has a few levels). */
const MAX_DEPTH = 32;

const answer = (status: number, error?: string): RawHttpResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: error === undefined ? '' : JSON.stringify({ error }),
});

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
 * rotated), and its actor must be the signer. Then it is applied: so far a Follow of a local
 * account becomes a follow (or a request, for a locked one); every other type is accepted and
 * ignored, never an error. 202 for anything taken, 401 for a signature that does not hold, 400
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

  private async apply(type: string, activity: Record<string, unknown>, actorId: string): Promise<void> {
    if (type !== 'Follow') {
      this.log.debug({ type, actorId }, 'activity type not handled yet; accepted');
      return;
    }
    const objectId = idOf(activity.object);
    const followId = idOf(activity.id);
    if (!objectId || !followId) return;
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: [actorId, objectId],
    });
    const follower = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    const target = actors.find((actor) => actor.uri === objectId && actor.domain === null);
    if (!follower || !target) return;
    try {
      await this.bus.request(contracts.accounts.relationships.follow, {
        viewerId: follower.id,
        targetId: target.id,
        uri: followId,
      });
    } catch (error) {
      // Blocked, suspended, gone: nothing to record; the peer learns it from what we send later.
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorId, objectId, err: error.message }, 'follow not recorded');
        return;
      }
      throw error;
    }
  }
}
