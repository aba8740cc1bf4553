import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, contracts } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  consumersOf,
  type EventConsumers,
  type EventMeta,
  on,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACTOR_CONTEXT, actorDocument } from '../actors/actor-document';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { ActorKeysStore } from '../keys/actor-keys';
import { ActivityDelivery } from './delivery';
import { StatusAudience } from './status-audience';

const events = contracts.accounts.admin.events;
const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;

/**
 * What a local account says of itself, told to its followers' servers (shared inboxes where they
 * have one), as Mastodon's UpdateDistributionWorker and MoveService do: a changed profile (its
 * aliases among it) is an Update of the actor, which peers answer by fetching it again; a move is
 * that Update (the actor now has `movedTo`) and then a Move (ActivityPub::MoveSerializer), on
 * which each follower's server has it follow the target. Job ids derive from the event, so a
 * redelivered event sends nothing twice.
 */
@Injectable()
export class AccountActivities {
  private consumers?: EventConsumers;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    private readonly keys: ActorKeysStore,
    private readonly audience: StatusAudience,
    private readonly delivery: ActivityDelivery,
  ) {}

  async start(): Promise<void> {
    this.consumers = consumersOf(this.runtime);
    if (!this.consumers) return;
    await this.consumers.consume(
      {
        consumer: 'federation-account-changes',
        schema: FEDERATION_SCHEMA,
        dataSource: this.db,
        concurrency: 4,
      },
      [
        on(events.accountUpdated, async ({ accountId }, _tx, meta) => {
          const actor = await this.localActor(accountId);
          if (actor) await this.update(actor, meta);
        }),
        on(events.accountMoved, async ({ accountId }, _tx, meta) => {
          const actor = await this.localActor(accountId);
          if (!actor?.movedToUri) return;
          await this.update(actor, meta);
          await this.move(actor, actor.movedToUri, meta);
        }),
      ],
    );
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }

  private async update(actor: ActorRecord, meta: EventMeta): Promise<void> {
    const document = actorDocument(actor, await this.keys.publicKeyOf(actor.id), this.config);
    // The actor goes embedded: its terms are declared once, on the activity.
    const { '@context': _context, ...object } = document;
    const activity = {
      '@context': ACTOR_CONTEXT,
      id: `${actor.uri}#updates/${meta.eventId}`,
      type: 'Update',
      actor: actor.uri,
      to: [PUBLIC],
      object,
    };
    await this.send(actor, activity, `actor-update:${meta.eventId}`);
  }

  private async move(actor: ActorRecord, targetUri: string, meta: EventMeta): Promise<void> {
    const activity = {
      '@context': AS,
      id: `${actor.uri}#moves/${meta.eventId}`,
      type: 'Move',
      actor: actor.uri,
      object: actor.uri,
      target: targetUri,
    };
    await this.send(actor, activity, `actor-move:${meta.eventId}`);
  }

  private async localActor(accountId: string): Promise<ActorRecord | undefined> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const actor = actors[0];
    // A suspended account's Delete or suspension tells peers what they need to know.
    return actor && actor.domain === null && !actor.suspended ? actor : undefined;
  }

  /** One job per follower inbox. */
  private async send(actor: ActorRecord, activity: object, jobKey: string): Promise<void> {
    const text = JSON.stringify(activity);
    const inboxes = await this.audience.inboxes({ authorId: actor.id, visibility: 'public', accountIds: [] });
    for (const inbox of inboxes)
      await this.delivery.enqueue({ inbox, activity: text, signerAccountId: actor.id }, `${jobKey}:${inbox}`);
  }
}
