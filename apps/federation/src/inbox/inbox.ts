import { Inject, Injectable } from '@nestjs/common';
import { ContractError, type RawHttpRequest, type RawHttpResponse } from '@mammut/contracts';
import { verifySignedRequest } from '@mammut/activitypub';
import { CONFIG, type Config, logger } from '@mammut/platform';
import { DeliveryHealth, hostOf } from '../delivery/delivery-health';
import { answer } from '../http/responses';
import { PeerUnavailable, RemoteActors } from '../remote/remote-actors';
import { depthOf, idOf, type Json } from './activity-fields';
import { INBOX_HANDLERS, type InboxHandler, routeOf } from './inbox-handler';

/** Nesting deeper than this in an activity is refused unread (Mastodon's JSON has a few levels). */
const MAX_DEPTH = 32;

/**
 * The personal and shared inboxes: what a peer POSTs is read as JSON, its HTTP signature verified
 * on the exact bytes and headers that arrived (refetching the actor once when its key may have
 * rotated), and its actor must be the signer. Then the InboxHandler of its route applies it; a
 * type no handler takes is accepted and ignored, never an error. 202 for anything taken (and,
 * unverified, for an unknown actor deleting or updating itself), 401 for a signature that does
 * not hold, 400 for what is not an activity, 503 when the signer's server cannot be asked now.
 */
@Injectable()
export class Inbox {
  private readonly log = logger('federation:inbox');
  private readonly routes = new Map<string, InboxHandler[]>();

  constructor(
    @Inject(CONFIG) private readonly config: Config,
    private readonly actors: RemoteActors,
    private readonly health: DeliveryHealth,
    @Inject(INBOX_HANDLERS) handlers: InboxHandler[],
  ) {
    for (const handler of handlers)
      for (const route of handler.routes)
        this.routes.set(route, [...(this.routes.get(route) ?? []), handler]);
  }

  async receive(request: RawHttpRequest): Promise<RawHttpResponse> {
    const body = Buffer.from(request.body ?? '', 'base64');
    let activity: Json;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        return answer(400, 'Not an activity');
      activity = parsed as Json;
    } catch {
      return answer(400, 'Body is not JSON');
    }
    if (depthOf(activity, MAX_DEPTH) > MAX_DEPTH) return answer(400, 'Activity nested too deep');
    const type = typeof activity.type === 'string' ? activity.type : undefined;
    const actorId = idOf(activity.actor);
    if (!type || !actorId) return answer(400, 'Not an activity');
    if (await this.aboutUnknownActor(type, activity, actorId)) return answer(202);

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
    // A server that signs requests to us is up (Mastodon's track_inverse_success!).
    await this.health.heardFrom(hostOf(actorId));

    await this.apply(type, activity, actorId);
    return answer(202);
  }

  /**
   * An actor we never knew deleting or updating itself: accepted unverified and dropped, as
   * Mastodon does, since verifying would fetch an actor that is gone (a server deleting its
   * accounts sends this to every inbox it knows) and there is nothing here to change.
   */
  private async aboutUnknownActor(type: string, activity: Json, actorId: string): Promise<boolean> {
    if ((type !== 'Delete' && type !== 'Update') || idOf(activity.object) !== actorId) return false;
    return !(await this.actors.isKnown(actorId));
  }

  /**
   * Hands the activity to the handlers of its route, in the order they were provided; one nobody
   * takes is accepted and dropped. A route may have several: an Undo naming its object by id alone
   * could be of a boost or of a follow, and each handler undoes only what the sender made.
   */
  private async apply(type: string, activity: Json, actorId: string): Promise<void> {
    const route = routeOf(type, activity.object, actorId);
    const handlers = this.routes.get(route);
    if (!handlers) {
      this.log.debug({ route, actorId }, 'activity not handled; accepted');
      return;
    }
    for (const handler of handlers) await handler.apply(activity, actorId);
  }
}
