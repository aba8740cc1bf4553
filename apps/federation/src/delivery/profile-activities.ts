import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  consumersOf,
  type EventConsumers,
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

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/**
 * A local account's profile, sent where it is shown: when it changes (`account.updated`), an
 * Update carrying the whole actor document goes to its remote followers' inboxes, as Mastodon's
 * UpdateDistributionWorker sends it, so that their servers show the new name, bio, fields and
 * flags without waiting to refetch; when it is deleted, a Delete of the actor goes to every
 * server known here.
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
        on(contracts.accounts.admin.events.accountUpdated, ({ accountId }, _tx, meta) =>
          this.update(accountId, meta.eventId),
        ),
        on(contracts.accounts.admin.events.accountDeleted, ({ accountId }) => this.delete(accountId)),
      ],
    );
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }

  private async update(accountId: string, eventId: string): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, { ids: [accountId] });
    const account = actors[0];
    if (!account || account.domain !== null || account.suspended) return;
    const document = actorDocument(account, await this.keys.publicKeyOf(account.id), this.config);
    const activity = JSON.stringify({
      '@context': document['@context'],
      id: `${account.uri}#updates/${Math.floor(Date.now() / 1000)}`,
      type: 'Update',
      actor: account.uri,
      to: [PUBLIC],
      object: document,
    });
    const inboxes = await this.audience.inboxes({
      authorId: account.id,
      visibility: 'public',
      accountIds: [],
    });
    for (const inbox of inboxes)
      await this.delivery.enqueue(
        { inbox, activity, signerAccountId: account.id },
        `profile:${eventId}:${inbox}`,
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
      '@context': 'https://www.w3.org/ns/activitystreams',
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
