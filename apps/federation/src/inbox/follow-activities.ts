import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { idOf, type Json, objectOf } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/**
 * What activities do to the follow graph, as Mastodon applies them: Follow and Block of a local
 * account by the remote actor, and their Undo (named by the embedded activity, whose actor must
 * be the sender). An Undo naming its object by id alone undoes the sender's Follow with that id;
 * Mastodon would also try a Block by id, but blocks from remote actors keep no id here.
 */
@Injectable()
export class FollowActivities implements InboxHandler {
  readonly routes = ['Follow', 'Block', 'Undo:Follow', 'Undo:Block', 'Undo'];
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
        const undone = objectOf(object);
        if (!undone?.type) {
          const uri = idOf(object);
          if (uri) await this.undoFollowById(actorId, uri);
          return;
        }
        if (idOf(undone.actor) !== actorId) return;
        if (undone.type === 'Follow') await this.relate('unfollow', actorId, idOf(undone.object));
        if (undone.type === 'Block') await this.relate('unblock', actorId, idOf(undone.object));
        return;
      }
    }
  }

  /** The sender's Follow named by id alone, if it has one by that id; anything else is not ours. */
  private async undoFollowById(actorId: string, uri: string): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [actorId] });
    const sender = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    if (!sender) return;
    await this.quietly({ actorId, uri, change: 'undo' }, () =>
      this.bus.request(contracts.accounts.remote.undoRemoteFollow, { actorId: sender.id, uri }),
    );
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
    await this.quietly({ actorId, objectId, change }, () =>
      change === 'follow'
        ? this.bus.request(relationships.follow, { ...pair, uri: followId })
        : this.bus.request(relationships[change], pair),
    );
  }

  /**
   * Runs a change the accounts service may refuse: blocked, suspended, gone, unknown are nothing to
   * record (the peer learns it from what we send later); only an outage is an error.
   */
  private async quietly(context: object, change: () => Promise<unknown>): Promise<void> {
    try {
      await change();
    } catch (error) {
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ ...context, err: error.message }, 'relationship not changed');
        return;
      }
      throw error;
    }
  }
}
