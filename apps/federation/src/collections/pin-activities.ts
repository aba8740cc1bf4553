import { Inject, Injectable } from '@nestjs/common';
import { contracts, type PayloadOf } from '@mammut/contracts';
import { BUS, type Bus, consumersOf, type EventConsumers, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { ActivityDelivery } from '../delivery/delivery';
import { StatusAudience } from '../delivery/status-audience';
import { featuredChangeOf } from './collection-documents';

const pinEvents = contracts.statuses.interactions.events;
type Pin = PayloadOf<typeof pinEvents.pinCreated>;

/**
 * A local account pinning or unpinning one of its public or unlisted statuses, told to its remote
 * followers as Mastodon's StatusPinsController tells them: `Add` or `Remove` of the note to or from
 * the actor's featured collection, so that their copy of the profile shows the same pins. One job
 * per inbox, keyed by the pin, so a redelivered event sends nothing twice. A status gone by then
 * sends nothing: its Delete already took it off every profile.
 */
@Injectable()
export class PinActivities {
  private consumers?: EventConsumers;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    private readonly audience: StatusAudience,
    private readonly delivery: ActivityDelivery,
  ) {}

  async start(): Promise<void> {
    this.consumers = consumersOf(this.runtime);
    if (!this.consumers) return;
    await this.consumers.consume(
      { consumer: 'federation-pins', schema: FEDERATION_SCHEMA, dataSource: this.db, concurrency: 4 },
      [
        on(pinEvents.pinCreated, (pin) => this.send('Add', pin)),
        on(pinEvents.pinRemoved, (pin) => this.send('Remove', pin)),
      ],
    );
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }

  private async send(type: 'Add' | 'Remove', pin: Pin): Promise<void> {
    const [{ actors }, { statuses }] = await Promise.all([
      this.bus.request(contracts.accounts.remote.getActors, { ids: [pin.accountId] }),
      this.bus.request(contracts.statuses.statuses.getStatuses, { ids: [pin.statusId] }),
    ]);
    const actor = actors[0];
    const status = statuses[0];
    if (!actor || actor.domain !== null || actor.suspended) return;
    if (!status?.local || status.accountId !== actor.id) return;
    if (status.visibility !== 'public' && status.visibility !== 'unlisted') return;
    const activity = JSON.stringify(
      featuredChangeOf(type, actor.uri, status.uri, `${actor.uri}/collections/featured`),
    );
    const inboxes = await this.audience.inboxes({
      authorId: actor.id,
      visibility: status.visibility,
      accountIds: [],
    });
    const key = `${type === 'Add' ? 'pin-add' : 'pin-remove'}:${pin.pinId}`;
    for (const inbox of inboxes)
      await this.delivery.enqueue({ inbox, activity, signerAccountId: actor.id }, `${key}:${inbox}`);
  }
}
