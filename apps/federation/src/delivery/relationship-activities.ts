import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { BUS, type Bus, consumersOf, type EventConsumers, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { ActivityDelivery } from './delivery';

const events = contracts.accounts.relationships.events;

/**
 * A remote account's Follow of a local one, once it holds (a direct follow, or a request the local
 * account approved: `follow.created` either way), is answered with an Accept to the follower's
 * inbox, naming the Follow by the id it came with, as Mastodon's does.
 */
@Injectable()
export class FollowAnswers {
  private consumers?: EventConsumers;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    private readonly delivery: ActivityDelivery,
  ) {}

  async start(): Promise<void> {
    this.consumers = consumersOf(this.runtime);
    if (!this.consumers) return;
    await this.consumers.consume(
      { consumer: 'federation-accounts', schema: FEDERATION_SCHEMA, dataSource: this.db, concurrency: 8 },
      [
        on(events.followCreated, async ({ followId, accountId, targetAccountId, uri }) => {
          if (!uri) return;
          const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
            ids: [accountId, targetAccountId],
          });
          const follower = actors.find((actor) => actor.id === accountId);
          const target = actors.find((actor) => actor.id === targetAccountId);
          if (!follower?.inboxUrl || follower.domain === null || !target || target.domain !== null) return;
          const accept = {
            '@context': 'https://www.w3.org/ns/activitystreams',
            id: `${target.uri}#accepts/follows/${followId}`,
            type: 'Accept',
            actor: target.uri,
            object: { id: uri, type: 'Follow', actor: follower.uri, object: target.uri },
          };
          await this.delivery.enqueue(
            { inbox: follower.inboxUrl, activity: JSON.stringify(accept), signerAccountId: target.id },
            `accept-follow:${followId}`,
          );
        }),
      ],
    );
  }

  async stop(): Promise<void> {
    await this.consumers?.stop();
  }
}
