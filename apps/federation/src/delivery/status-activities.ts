import { Inject, Injectable } from '@nestjs/common';
import {
  type ActorRecord,
  contracts,
  type PayloadOf,
  type StatusRecord,
  type Visibility,
} from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  EventSubscriber,
  type Subscription,
  on,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import {
  announceOf,
  createOf,
  deleteOf,
  likeOf,
  type ReblogSubject,
  undoAnnounceOf,
  undoLikeOf,
  updateOf,
} from '../notes/note-documents';
import { NoteSubjects } from '../notes/note-subjects';
import { ActivityDelivery } from './delivery';
import { StatusAudience, type StatusReach } from './status-audience';

const statusEvents = contracts.statuses.statuses.events;
const favouriteEvents = contracts.statuses.interactions.events;

/** Mastodon reaches the author replied to only with statuses it may pass on (public, unlisted). */
const distributable = (visibility: Visibility): boolean =>
  visibility === 'public' || visibility === 'unlisted';

/**
 * What local accounts do with statuses, sent to the servers it concerns: a new status as Create
 * (a reblog as Announce), an edit as Update, a deletion as Delete (a withdrawn reblog as
 * Undo{Announce}) to the same inboxes the Create went to; a favourite of a remote status as Like
 * (and its withdrawal as Undo{Like}) to that status's author alone. One delivery job per inbox,
 * its id derived from the activity and the inbox, so a redelivered event sends nothing twice.
 */
@Injectable()
export class StatusActivities extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(FEDERATION_DB) db: DataSource,
    private readonly subjects: NoteSubjects,
    private readonly audience: StatusAudience,
    private readonly delivery: ActivityDelivery,
  ) {
    super(runtime, { schema: FEDERATION_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'federation-statuses',
        concurrency: 8,
        handlers: [
          // Only local statuses (and local boosts) are sent anywhere: a remote one costs no transaction.
          on(
            statusEvents.statusCreated,
            ({ status, reblogged }) => (reblogged ? this.announce(status, reblogged) : this.create(status)),
            { when: ({ status }) => status.local },
          ),
          on(statusEvents.statusUpdated, ({ status }) => this.update(status), {
            when: ({ status }) => status.local,
          }),
          on(
            statusEvents.statusDeleted,
            (deleted) => (deleted.reblogOfId ? this.undoAnnounce(deleted) : this.delete(deleted)),
            { when: (deleted) => deleted.local },
          ),
          on(favouriteEvents.favouriteCreated, (favourite) => this.like(favourite, false)),
          on(favouriteEvents.favouriteRemoved, ({ favouriteId, ...favourite }) =>
            favouriteId ? this.like({ favouriteId, ...favourite }, true) : Promise.resolve(),
          ),
        ],
      },
    ];
  }

  private async create(status: StatusRecord): Promise<void> {
    const subject = await this.subjects.of(status);
    if (!subject || subject.author.suspended) return;
    const activity = JSON.stringify(createOf(subject, this.config));
    await this.send(this.reachOf(status), activity, subject.author.id, `status-create:${status.id}`);
  }

  private async update(status: StatusRecord): Promise<void> {
    const subject = await this.subjects.of(status);
    if (!subject || subject.author.suspended) return;
    const activity = JSON.stringify(updateOf(subject, this.config));
    const version = status.editedAt ?? status.createdAt;
    await this.send(
      this.reachOf(status),
      activity,
      subject.author.id,
      `status-update:${status.id}:${version}`,
    );
  }

  private reachOf(status: StatusRecord): StatusReach {
    const repliedTo = distributable(status.visibility) && status.inReplyToAccountId;
    return {
      authorId: status.accountId,
      visibility: status.visibility,
      accountIds: repliedTo ? [...status.mentions, repliedTo] : status.mentions,
    };
  }

  private async delete(deleted: PayloadOf<typeof statusEvents.statusDeleted>): Promise<void> {
    if (!deleted.local) return;
    const [author, parent] = await Promise.all([
      this.localActor(deleted.accountId),
      deleted.inReplyToId && distributable(deleted.visibility)
        ? this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [deleted.inReplyToId] })
        : null,
    ]);
    if (!author) return;
    const repliedTo = parent?.statuses[0]?.accountId;
    const reach = {
      authorId: author.id,
      visibility: deleted.visibility,
      accountIds: repliedTo ? [...deleted.mentions, repliedTo] : deleted.mentions,
    };
    const activity = JSON.stringify(deleteOf(deleted.uri, author.uri));
    await this.send(reach, activity, author.id, `status-delete:${deleted.statusId}`);
  }

  private async announce(reblog: StatusRecord, original: StatusRecord): Promise<void> {
    if (!reblog.local) return;
    const subject = await this.reblogSubject(reblog.accountId, original.id, original.accountId, {
      id: reblog.id,
      uri: reblog.uri,
      visibility: reblog.visibility,
      createdAt: reblog.createdAt,
    });
    if (!subject || subject.booster.suspended) return;
    const reach = {
      authorId: reblog.accountId,
      visibility: reblog.visibility,
      accountIds: [original.accountId],
    };
    await this.send(
      reach,
      JSON.stringify(announceOf(subject)),
      reblog.accountId,
      `status-create:${reblog.id}`,
    );
  }

  private async undoAnnounce(deleted: PayloadOf<typeof statusEvents.statusDeleted>): Promise<void> {
    const { reblogOfId, reblogOfAccountId } = deleted;
    if (!deleted.local || !reblogOfId || !reblogOfAccountId) return;
    const subject = await this.reblogSubject(deleted.accountId, reblogOfId, reblogOfAccountId, {
      id: deleted.statusId,
      uri: deleted.uri,
      visibility: deleted.visibility,
      createdAt: null,
    });
    // When the shared status went too, its own Delete tells the same servers.
    if (!subject) return;
    const reach = {
      authorId: deleted.accountId,
      visibility: deleted.visibility,
      accountIds: [reblogOfAccountId],
    };
    await this.send(
      reach,
      JSON.stringify(undoAnnounceOf(subject)),
      deleted.accountId,
      `status-delete:${deleted.statusId}`,
    );
  }

  /** The Announce of a local reblog; null when the booster is not local or the shared status is gone. */
  private async reblogSubject(
    boosterId: string,
    originalId: string,
    originalAuthorId: string,
    reblog: Pick<ReblogSubject, 'id' | 'uri' | 'visibility' | 'createdAt'>,
  ): Promise<ReblogSubject | null> {
    const [{ actors }, { statuses }] = await Promise.all([
      this.bus.request(contracts.accounts.remote.getActors, { ids: [boosterId, originalAuthorId] }),
      this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [originalId] }),
    ]);
    const booster = actors.find((actor) => actor.id === boosterId);
    const author = actors.find((actor) => actor.id === originalAuthorId);
    const original = statuses[0];
    if (!booster || booster.domain !== null || !author || !original) return null;
    return { ...reblog, booster, originalUri: original.uri, originalAuthorUri: author.uri };
  }

  /** A local account's favourite of a remote status, or its withdrawal, to the status's author. */
  private async like(
    favourite: { favouriteId: string; accountId: string; statusId: string; statusAccountId: string },
    undo: boolean,
  ): Promise<void> {
    const [{ actors }, { statuses }] = await Promise.all([
      this.bus.request(contracts.accounts.remote.getActors, {
        ids: [favourite.accountId, favourite.statusAccountId],
      }),
      this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [favourite.statusId] }),
    ]);
    const actor = actors.find((found) => found.id === favourite.accountId);
    const author = actors.find((found) => found.id === favourite.statusAccountId);
    const status = statuses[0];
    if (!actor || actor.domain !== null || actor.suspended) return;
    if (!author?.inboxUrl || author.domain === null || !status) return;
    const like = { favouriteId: favourite.favouriteId, actorUri: actor.uri, statusUri: status.uri };
    await this.delivery.enqueue(
      {
        inbox: author.inboxUrl,
        activity: JSON.stringify(undo ? undoLikeOf(like) : likeOf(like)),
        signerAccountId: actor.id,
      },
      `${undo ? 'unlike' : 'like'}:${favourite.favouriteId}`,
    );
  }

  private async localActor(accountId: string): Promise<ActorRecord | null> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const actor = actors[0];
    return actor && actor.domain === null ? actor : null;
  }

  /** One job per inbox the activity reaches. */
  private async send(
    reach: StatusReach,
    activity: string,
    signerAccountId: string,
    jobKey: string,
  ): Promise<void> {
    await this.delivery.enqueueEach(await this.audience.inboxes(reach), activity, signerAccountId, jobKey);
  }
}
