import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { PeerUnavailable, RemoteActors } from '../remote/remote-actors';
import { idOf, type Json } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/**
 * What a remote actor says of itself, as Mastodon applies it: an Update of the actor (its object's
 * id is the sender) has the account read again from the actor's own server, the embedded copy
 * never trusted; a Delete of the actor deletes the account, and with it what it did here.
 */
@Injectable()
export class ActorActivities implements InboxHandler {
  readonly routes = [
    'Update:Person',
    'Update:Service',
    'Update:Group',
    'Update:Organization',
    'Update:Application',
    'Delete:Actor',
  ];
  private readonly log = logger('federation:inbox');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly actors: RemoteActors,
  ) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    if (idOf(activity.object) !== actorId) return;
    if (activity.type === 'Update') await this.refresh(actorId);
    if (activity.type === 'Delete') await this.delete(actorId);
  }

  private async refresh(actorId: string): Promise<void> {
    try {
      await this.actors.refresh(actorId);
    } catch (error) {
      // Its server cannot be asked now: the account stays as it was until the next Update or key refetch.
      if (!(error instanceof PeerUnavailable)) throw error;
      this.log.info({ actorId, err: error.message }, 'updated actor not refetched');
    }
  }

  private async delete(actorId: string): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [actorId] });
    const account = actors.find((actor) => actor.uri === actorId && actor.domain !== null);
    if (!account) return;
    try {
      await this.bus.request(contracts.accounts.admin.deleteAccount, { accountId: account.id });
    } catch (error) {
      if (error instanceof ContractError && error.code === 'not_found') return;
      throw error;
    }
  }
}
