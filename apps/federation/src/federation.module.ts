import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  CONFIG,
  type Config,
  GuardedHttp,
  HealthModule,
  postgresReadiness,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, federationDatabaseProvider } from './database/federation-database';
import { FederationHttp } from './http/federation-http';
import { FederationHttpHandlers } from './http/federation-http.handlers';
import { ActivityDelivery } from './delivery/delivery';
import { FollowAnswers } from './delivery/follow-answers';
import { ActorActivities } from './inbox/actor-activities';
import { FollowActivities } from './inbox/follow-activities';
import { Inbox } from './inbox/inbox';
import { INBOX_HANDLERS, type InboxHandler } from './inbox/inbox-handler';
import { InteractionActivities } from './inbox/interaction-activities';
import { ActorKeysStore } from './keys/actor-keys';
import { RemoteActors } from './remote/remote-actors';

/**
 * ActivityPub: the documents of local actors and the keys they sign with; answers `federation.*`
 * on the bus, the gateway passing ActivityPub requests to it as they arrived.
 */
@Module({
  imports: [HealthModule],
  controllers: [busController(contracts.federation.http, FederationHttpHandlers)],
  providers: [
    federationDatabaseProvider,
    postgresReadiness('federation', FEDERATION_DB),
    ActorKeysStore,
    // The one client requests leave the system through (ADR 0016).
    {
      provide: GuardedHttp,
      inject: [CONFIG],
      useFactory: (config: Config) => GuardedHttp.fromConfig(config),
    },
    RemoteActors,
    // What the inbox applies, one handler per family of activities.
    FollowActivities,
    InteractionActivities,
    ActorActivities,
    {
      provide: INBOX_HANDLERS,
      inject: [FollowActivities, InteractionActivities, ActorActivities],
      useFactory: (...handlers: InboxHandler[]) => handlers,
    },
    Inbox,
    ActivityDelivery,
    FollowAnswers,
    FederationHttp,
    FederationHttpHandlers,
  ],
})
export class FederationModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    private readonly delivery: ActivityDelivery,
    private readonly followAnswers: FollowAnswers,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    await this.delivery.start();
    await this.followAnswers.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.followAnswers.stop();
    await this.delivery.stop();
    await this.db.destroy();
  }
}
