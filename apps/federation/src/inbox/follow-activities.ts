import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { idOf, type Json } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/**
 * What activities do to the follow graph, as Mastodon applies them: Follow and Block of a local
 * account by the remote actor, and their Undo (named by the embedded activity, whose actor must
 * be the sender).
 */
@Injectable()
export class FollowActivities implements InboxHandler {
  readonly routes = ['Follow', 'Block', 'Undo:Follow', 'Undo:Block'];
  private readonly log = logger('federation:inbox');

  constructor(@Inject(BUS) private readonly bus: Bus) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    const object = activity.object;
    switch (activity.type) {
      case 'Follow': {
        const followId = idOf(activity.id);
        if (followId) await this.relate('follow', actorId, idOf(object), followId);
        return;
      }
      case 'Block':
        await this.relate('block', actorId, idOf(object));
        return;
      case 'Undo': {
        const undone = object as Json;
        if (idOf(undone.actor) !== actorId) return;
        if (undone.type === 'Follow') await this.relate('unfollow', actorId, idOf(undone.object));
        if (undone.type === 'Block') await this.relate('unblock', actorId, idOf(undone.object));
        return;
      }
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
