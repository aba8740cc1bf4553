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
import { actorDocument } from '../actors/actor-document';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { ActorKeysStore } from '../keys/actor-keys';
import { ActivityDelivery } from './delivery';
import { StatusAudience } from './status-audience';

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;
const events = contracts.accounts.admin.events;

/**
 * A local account's profile, sent where it is shown: when it changes (`account.updated`), an
 * Update carrying the whole actor document goes to its remote followers' inboxes, as Mastodon's
 * UpdateDistributionWorker sends it, so that their servers show the new name, bio, fields and
 * flags without waiting to refetch; when it moves (`account.moved`), that Update (the actor now
 * has `movedTo`) and then a Move (MoveService), on which each follower's server has it follow the
 * target; when it is deleted, a Delete of the actor goes to every server known here. Job ids
 * derive from the event, so a redelivered event sends nothing twice.
 */
@Injectable()
export class ProfileActivities {
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
      { consumer: 'federation-profiles', schema: FEDERATION_SCHEMA, dataSource: this.db, concurrency: 4 },
      [
        on(events.accountUpdated, async ({ accountId }, _tx, meta) => {
          const account = await this.localActor(accountId);
          if (account) await this.update(account, meta);
        }),
        on(events.accountMoved, async ({ accountId }, _tx, meta) => {
          const account = await this.localActor(accountId);
          if (!account?.movedToUri) return;
          await this.update(account, meta);
          await this.move(account, account.movedToUri, meta);
        }),
        on(events.accountDeleted, ({ accountId }) => this.delete(accountId)),
      ],
    );
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }

  /** A local account that may still speak: not remote, not suspended. */
  private async localActor(accountId: string): Promise<ActorRecord | undefined> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const account = actors[0];
    return account && account.domain === null && !account.suspended ? account : undefined;
  }

  private async update(account: ActorRecord, meta: EventMeta): Promise<void> {
    const document = actorDocument(account, await this.keys.publicKeyOf(account.id), this.config);
    await this.toFollowers(
      account,
      {
        '@context': document['@context'],
        id: `${account.uri}#updates/${Math.floor(Date.now() / 1000)}`,
        type: 'Update',
        actor: account.uri,
        to: [PUBLIC],
        object: document,
      },
      `profile:${meta.eventId}`,
    );
  }

  /** ActivityPub::MoveSerializer's shape: the actor moving itself to `target`. */
  private async move(account: ActorRecord, target: string, meta: EventMeta): Promise<void> {
    await this.toFollowers(
      account,
      {
        '@context': AS,
        id: `${account.uri}#moves/${meta.eventId}`,
        type: 'Move',
        actor: account.uri,
        object: account.uri,
        target,
      },
      `move:${meta.eventId}`,
    );
  }

  /** One job per follower inbox (shared where the server has one). */
  private async toFollowers(account: ActorRecord, activity: object, jobKey: string): Promise<void> {
    const text = JSON.stringify(activity);
    const inboxes = await this.audience.inboxes({
      authorId: account.id,
      visibility: 'public',
      accountIds: [],
    });
    for (const inbox of inboxes)
      await this.delivery.enqueue(
        { inbox, activity: text, signerAccountId: account.id },
        `${jobKey}:${inbox}`,
      );
  }

  /**
   * A local account deleted for good: a Delete of the actor to every inbox known here, as Mastodon
   * announces it (its followers are gone by now, and servers that only saw its posts hold them too).
   */
  private async delete(accountId: string): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const account = actors[0];
    if (!account || account.domain !== null) return;
    const activity = JSON.stringify({
      '@context': AS,
      id: `${account.uri}#delete`,
      type: 'Delete',
      actor: account.uri,
      to: [PUBLIC],
      object: account.uri,
    });
    for (const inbox of await this.audience.everyKnownInbox())
      await this.delivery.enqueue(
        { inbox, activity, signerAccountId: account.id },
        `delete-actor:${accountId}:${inbox}`,
      );
  }
}
