import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, contracts } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  EventSubscriber,
  type Subscription,
  type EventMeta,
  on,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { ActivityDelivery } from './delivery';

const events = contracts.accounts.relationships.events;
const AS = 'https://www.w3.org/ns/activitystreams';

/** A change between a local account (`local`, who acts) and a remote one (`remote`, who is told). */
interface Parties {
  local: ActorRecord;
  remote: ActorRecord & { inboxUrl: string };
}

/**
 * Follow-graph changes told to the remote account they concern, with Mastodon's activities and
 * ids (FollowSerializer, UndoFollowSerializer, AcceptFollowSerializer, RejectFollowSerializer,
 * BlockSerializer, UndoBlockSerializer), to its own inbox, signed by the local account that acted:
 * - a local account's request to a remote one is the Follow (its stored uri as id); withdrawing it
 *   or unfollowing is the Undo of that Follow;
 * - a remote follower taken (a direct follow, an authorized request) is the Accept; refused,
 *   removed or blocked off (its follow or request ended by the local target) the Reject;
 * - a local account's block of a remote one is the Block, unblocking its Undo.
 * The embedded Follow carries the id it was sent or received with, which is what the peer matches
 * answers by. Where the ended row's id is gone, the event id stands in for it in the activity id.
 * Every job id derives from the event, so a redelivered event is sent once.
 */
@Injectable()
export class RelationshipActivities extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(FEDERATION_DB) db: DataSource,
    private readonly delivery: ActivityDelivery,
  ) {
    super(runtime, { schema: FEDERATION_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'federation-accounts',
        concurrency: 8,
        handlers: [
          on(events.followRequestCreated, (event) => this.follow(event)),
          on(events.followRequestWithdrawn, async (event, _tx, meta) => {
            if (event.reason === 'unfollowed') await this.undoFollow(event, meta);
          }),
          on(events.followRemoved, async (event, _tx, meta) => {
            switch (event.reason) {
              case 'unfollowed':
                return this.undoFollow(event, meta);
              case 'removed':
              case 'blocked':
              case 'domain_blocked':
                return this.rejectFollow(event, meta);
              case 'account_deleted':
              case 'domain_suspended':
                // The deleted account's Delete tells peers; a Reject or Undo for each edge adds
                // nothing. A suspended domain is sent nothing at all.
                return;
            }
          }),
          // Authorizing a request emits both events in one transaction: the shared job id sends one Accept.
          on(events.followCreated, (event) => this.acceptFollow(event)),
          on(events.followRequestAuthorized, (event) => this.acceptFollow(event)),
          on(events.followRequestRejected, async (event, _tx, meta) => {
            if (event.reason !== 'account_deleted' && event.reason !== 'domain_suspended')
              await this.rejectFollow(event, meta);
          }),
          on(events.blockCreated, (event) => this.block(event)),
          on(events.blockRemoved, (event, _tx, meta) => this.undoBlock(event, meta)),
        ],
      },
    ];
  }

  private async follow(event: FollowEdge & { requestId: string }): Promise<void> {
    const parties = await this.parties(event.accountId, event.targetAccountId);
    if (!parties || !event.uri) return;
    await this.send(parties, `follow:${event.requestId}`, {
      ...followOf(event.uri, parties.local, parties.remote),
      '@context': AS,
    });
  }

  private async undoFollow(event: FollowEdge, meta: EventMeta): Promise<void> {
    const parties = await this.parties(event.accountId, event.targetAccountId);
    if (!parties) return;
    const { local, remote } = parties;
    await this.send(parties, `undo-follow:${meta.eventId}`, {
      '@context': AS,
      id: `${local.uri}#follows/${meta.eventId}/undo`,
      type: 'Undo',
      actor: local.uri,
      object: followOf(event.uri, local, remote),
    });
  }

  private async acceptFollow(event: FollowEdge & { followId: string }): Promise<void> {
    const parties = await this.parties(event.targetAccountId, event.accountId);
    // A follow recorded without the remote Follow's id predates federation: nothing to answer.
    if (!parties || !event.uri) return;
    const { local, remote } = parties;
    await this.send(parties, `accept-follow:${event.followId}`, {
      '@context': AS,
      id: `${local.uri}#accepts/follows/${event.followId}`,
      type: 'Accept',
      actor: local.uri,
      object: followOf(event.uri, remote, local),
    });
  }

  private async rejectFollow(event: FollowEdge, meta: EventMeta): Promise<void> {
    const parties = await this.parties(event.targetAccountId, event.accountId);
    if (!parties) return;
    const { local, remote } = parties;
    await this.send(parties, `reject-follow:${meta.eventId}`, {
      '@context': AS,
      id: `${local.uri}#rejects/follows/${meta.eventId}`,
      type: 'Reject',
      actor: local.uri,
      object: followOf(event.uri, remote, local),
    });
  }

  private async block(event: Edge & { blockId: string }): Promise<void> {
    const parties = await this.parties(event.accountId, event.targetAccountId);
    if (!parties) return;
    await this.send(parties, `block:${event.blockId}`, {
      ...blockOf(event.blockId, parties.local, parties.remote),
      '@context': AS,
    });
  }

  private async undoBlock(event: Edge & { blockId?: string }, meta: EventMeta): Promise<void> {
    const parties = await this.parties(event.accountId, event.targetAccountId);
    if (!parties) return;
    const { local, remote } = parties;
    await this.send(parties, `undo-block:${meta.eventId}`, {
      '@context': AS,
      id: `${local.uri}#blocks/${event.blockId ?? meta.eventId}/undo`,
      type: 'Undo',
      actor: local.uri,
      object: blockOf(event.blockId, local, remote),
    });
  }

  /**
   * The two accounts of a change, when the acting one is local and the other remote with an inbox.
   * A suspended (or deleted) local account acts no more: its relationships end without a word.
   */
  private async parties(localId: string, remoteId: string): Promise<Parties | undefined> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [localId, remoteId],
    });
    const local = actors.find((actor) => actor.id === localId);
    const remote = actors.find((actor) => actor.id === remoteId);
    if (!local || local.domain !== null || local.suspended) return;
    if (!remote || remote.domain === null || !remote.inboxUrl) return;
    return { local, remote: { ...remote, inboxUrl: remote.inboxUrl } };
  }

  private send({ local, remote }: Parties, jobId: string, activity: object): Promise<void> {
    return this.delivery.enqueue(
      { inbox: remote.inboxUrl, activity: JSON.stringify(activity), signerAccountId: local.id },
      jobId,
    );
  }
}

interface Edge {
  accountId: string;
  targetAccountId: string;
}

type FollowEdge = Edge & { uri?: string | null };

/** The Follow as the peer knows it; without a recorded id, peers match it by actor and object. */
const followOf = (uri: string | null | undefined, follower: ActorRecord, target: ActorRecord) => ({
  ...(uri ? { id: uri } : {}),
  type: 'Follow',
  actor: follower.uri,
  object: target.uri,
});

const blockOf = (blockId: string | undefined, blocker: ActorRecord, target: ActorRecord) => ({
  ...(blockId ? { id: `${blocker.uri}#blocks/${blockId}` } : {}),
  type: 'Block',
  actor: blocker.uri,
  object: target.uri,
});
