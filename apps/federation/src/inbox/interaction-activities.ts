import { Inject, Injectable } from '@nestjs/common';
import {
  type ActorRecord,
  ContractError,
  contracts,
  type StatusRecord,
  type Visibility,
} from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, logger } from '@mammut/platform';
import { Relays } from '../relays/relays';
import { ResolveRemoteStatus } from '../remote/resolve-remote-status';
import { idOf, type Json, objectOf } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/** The ways peers write the public collection. */
const PUBLIC = new Set(['https://www.w3.org/ns/activitystreams#Public', 'as:Public', 'Public']);

/** Where a local status lives: `<origin>/users/<username>/statuses/<id>`. */
const LOCAL_STATUS_PATH = /^\/users\/[^/]+\/statuses\/(\d{1,20})$/;

/** The ids an addressing property names (`to`, `cc`): one, or a list. */
const audience = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).flatMap((item) => idOf(item) ?? []);

/**
 * What remote actors do to local statuses, as Mastodon applies it: a Like favourites one (a
 * Misskey reaction, a Like with `_misskey_reaction`, counts as one; Pleroma's EmojiReact has no
 * route, as Mastodon has no handler for it), an Announce reblogs one under the Announce's id with
 * the visibility its addressing says, and their Undo withdraw them (a bare Undo naming an id is
 * taken as an Announce's, the only activity here named by id alone). Only the sender's own
 * favourite or reblog is ever withdrawn. An Announce of a remote status from someone followed here
 * fetches that status when it is not known (Mastodon's fetch_remote_original_status); a Like of a
 * status that is not local is ignored. An Announce from a relay we subscribe to is no reblog: the
 * status it names is fetched from its origin and stored.
 */
@Injectable()
export class InteractionActivities implements InboxHandler {
  readonly routes = ['Like', 'Announce', 'Undo:Like', 'Undo:Announce', 'Undo'];
  private readonly log = logger('federation:inbox');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly resolveStatus: ResolveRemoteStatus,
    private readonly relays: Relays,
  ) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    const sender = await this.remoteSender(actorId);
    if (!sender) return;
    try {
      await this.applyFrom(sender, activity);
    } catch (error) {
      // A status gone or not shareable, a reblog id taken: nothing to record.
      if (error instanceof ContractError && error.code !== 'unavailable') {
        this.log.info({ actorId, type: activity.type, err: error.message }, 'interaction not applied');
        return;
      }
      throw error;
    }
  }

  private async applyFrom(sender: ActorRecord, activity: Json): Promise<void> {
    const interactions = contracts.statuses.interactions;
    switch (activity.type) {
      case 'Like': {
        const status = await this.localStatus(idOf(activity.object));
        if (status)
          await this.bus.request(interactions.favourite, { accountId: sender.id, statusId: status.id });
        return;
      }
      case 'Announce':
        await this.reblog(sender, activity);
        return;
      case 'Undo': {
        const undone = objectOf(activity.object);
        if (!undone) {
          await this.unreblog(sender, idOf(activity.object));
          return;
        }
        const undoneActor = idOf(undone.actor);
        if (undoneActor !== undefined && undoneActor !== sender.uri) return;
        if (undone.type === 'Announce') await this.unreblog(sender, idOf(undone.id));
        if (undone.type === 'Like') {
          const status = await this.localStatus(idOf(undone.object));
          if (status)
            await this.bus.request(interactions.unfavourite, { accountId: sender.id, statusId: status.id });
        }
        return;
      }
    }
  }

  /**
   * An Announce of a local status. Its id becomes the reblog's uri, so it must be on the sender's
   * host (an id vouched for by another server is not stored).
   */
  private async reblog(sender: ActorRecord, activity: Json): Promise<void> {
    if (await this.relays.isRelay(sender.uri)) {
      await this.relayed(idOf(activity.object));
      return;
    }
    const uri = idOf(activity.id);
    if (!uri || !sameHost(uri, sender.uri)) return;
    const objectUri = idOf(activity.object);
    const status = (await this.localStatus(objectUri)) ?? (await this.remoteStatus(sender, objectUri));
    if (!status) {
      this.log.debug({ actorId: sender.uri, uri }, 'announce of no status we may show; ignored');
      return;
    }
    await this.bus.request(contracts.statuses.remoteInteractions.saveRemoteReblog, {
      accountId: sender.id,
      uri,
      statusId: status.id,
      visibility: visibilityOf(activity, sender.followersUrl),
      published: typeof activity.published === 'string' ? validDate(activity.published) : null,
    });
  }

  /**
   * The remote status an Announce shares, fetched and stored when it is not known here (as
   * ResolveRemoteStatus does for a search), but only when someone here follows the sender: an
   * Announce that relates to no local account is not worth a request (Mastodon's
   * related_to_local_activity?).
   */
  private async remoteStatus(
    sender: ActorRecord,
    uri: string | undefined,
  ): Promise<StatusRecord | undefined> {
    if (!uri || sameHost(uri, this.config.publicOrigin)) return undefined;
    const { followers } = await this.bus.request(contracts.accounts.relationships.listLocalFollowers, {
      accountId: sender.id,
      after: null,
      limit: 1,
    });
    if (!followers.length) return undefined;
    const { statusId } = await this.resolveStatus.execute(uri);
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [statusId] });
    return statuses.find((status) => status.reblogOfId === null);
  }

  /**
   * What a relay passes on is not its boost: the status is fetched from its origin and stored (it
   * then shows in the federated timeline), and no reblog is recorded, as Mastodon ignores the
   * Announce itself once the status is had (requested_through_relay?).
   */
  private async relayed(uri: string | undefined): Promise<void> {
    if (!uri || sameHost(uri, this.config.publicOrigin)) return;
    await this.resolveStatus.execute(uri);
  }

  private async unreblog(sender: ActorRecord, uri: string | undefined): Promise<void> {
    if (!uri) return;
    await this.bus.request(contracts.statuses.remoteInteractions.deleteRemoteReblog, {
      accountId: sender.id,
      uri,
    });
  }

  /** The remote account that sent the activity; none when it is unknown or suspended (deleted). */
  private async remoteSender(actorId: string): Promise<ActorRecord | undefined> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [actorId] });
    return actors.find((actor) => actor.uri === actorId && actor.domain !== null && !actor.suspended);
  }

  /**
   * The local status a uri names, as Mastodon resolves its own URIs: by the id in the path, then
   * checked against the stored uri. Reblogs and remote statuses are not what it names.
   */
  private async localStatus(uri: string | undefined): Promise<StatusRecord | undefined> {
    if (!uri) return undefined;
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return undefined;
    }
    const match = url.origin === this.config.publicOrigin ? LOCAL_STATUS_PATH.exec(url.pathname) : null;
    if (!match) return undefined;
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [match[1]] });
    const status = statuses[0];
    return status && status.local && status.uri === uri && status.reblogOfId === null ? status : undefined;
  }
}

/**
 * Mastodon's visibility of an Announce, from its own addressing: public in `to`, unlisted in `cc`,
 * private when `to` names the sender's followers, else direct.
 */
function visibilityOf(activity: Json, followersUrl: string | null): Visibility {
  const to = audience(activity.to);
  if (to.some((item) => PUBLIC.has(item))) return 'public';
  if (audience(activity.cc).some((item) => PUBLIC.has(item))) return 'unlisted';
  if (followersUrl !== null && to.includes(followersUrl)) return 'private';
  return 'direct';
}

function sameHost(a: string, b: string): boolean {
  try {
    return new URL(a).host === new URL(b).host;
  } catch {
    return false;
  }
}

function validDate(value: string): string | null {
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
