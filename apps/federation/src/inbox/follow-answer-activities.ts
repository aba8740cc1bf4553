import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { Relays } from '../relays/relays';
import { idOf, type Json, objectOf } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/**
 * A remote account's Accept or Reject of a local account's Follow, read as Mastodon's
 * ActivityPub::Activity::Accept and ::Reject do: by the Follow's id among the requests and follows
 * addressed to the sender, else, for an embedded Follow, by the local follower it names. Either way
 * only the account that was asked can answer; an answer about nothing we know changes nothing. The
 * answer of a relay to the instance actor's Follow is the relay's (Mastodon's accept_follow_for_relay).
 */
@Injectable()
export class FollowAnswerActivities implements InboxHandler {
  readonly routes = ['Accept:Follow', 'Accept', 'Reject:Follow', 'Reject'];
  private readonly log = logger('federation:inbox');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly relays: Relays,
  ) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    const uri = idOf(activity.object);
    if (uri && (await this.relays.answered(uri, actorId, activity.type === 'Accept'))) return;
    const embedded = objectOf(activity.object);
    const followerUri = embedded?.type === 'Follow' ? idOf(embedded.actor) : undefined;
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, {
      uris: followerUri ? [actorId, followerUri] : [actorId],
    });
    const sender = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    const follower = actors.find((actor) => actor.uri === followerUri && actor.domain === null);
    if (!sender || (!uri && !follower)) return;
    const remote = contracts.accounts.remote;
    const answer = { actorId: sender.id, uri, followerId: follower?.id };
    try {
      await this.bus.request(
        activity.type === 'Accept' ? remote.acceptRemoteFollow : remote.rejectRemoteFollow,
        answer,
      );
    } catch (error) {
      // No such request or follow (someone else's, or one already withdrawn): nothing to record.
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorId, uri, type: activity.type, err: error.message }, 'follow answer not applied');
        return;
      }
      throw error;
    }
  }
}
