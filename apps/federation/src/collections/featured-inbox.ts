import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { BUS, type Bus, logger } from '@mammut/platform';
import { idOf, type Json, objectOf } from '../inbox/activity-fields';
import type { InboxHandler } from '../inbox/inbox-handler';

/** The longest status uri looked up (the statuses contracts' own bound). */
const URI_LIMIT = 2048;

/**
 * A remote actor's pins, as Mastodon's Add and Remove activities apply them: the `target` must be
 * the sender's own featured collection (the `featured` its actor document gave), and the object a
 * status of the sender known here, which is then pinned or unpinned on its profile. A status not
 * known here is accepted and ignored (not fetched for this). Featured hashtags (a Hashtag object)
 * and Add/Remove to other collections are not kept, and ignored too.
 */
@Injectable()
export class FeaturedInbox implements InboxHandler {
  readonly routes = ['Add', 'Remove'];
  private readonly log = logger('federation:inbox');

  constructor(@Inject(BUS) private readonly bus: Bus) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [actorId] });
    const sender = actors.find((actor) => actor.uri === actorId && actor.domain !== null && !actor.suspended);
    const target = idOf(activity.target);
    if (!sender?.featuredCollectionUrl || target !== sender.featuredCollectionUrl) return;
    if (objectOf(activity.object)?.type === 'Hashtag') return;
    const uri = idOf(activity.object);
    if (!uri || uri.length > URI_LIMIT) return;
    const pins = contracts.statuses.remoteInteractions;
    const { statusId } = await this.bus.request(
      activity.type === 'Add' ? pins.saveRemotePin : pins.deleteRemotePin,
      { accountId: sender.id, uri },
    );
    this.log.debug({ actorId, uri, type: activity.type, statusId }, 'featured change applied');
  }
}
