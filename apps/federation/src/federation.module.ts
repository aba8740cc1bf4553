import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  CONFIG,
  type Config,
  GuardedHttp,
  HealthModule,
  MAMMUT_VERSION,
  postgresReadiness,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { FEDERATION_DB, federationDatabaseProvider } from './database/federation-database';
import { DiscoveryHttp } from './discovery/discovery-http';
import { NodeInfoDocuments } from './discovery/nodeinfo';
import { WebfingerDocuments } from './discovery/webfinger';
import { FederationHttp } from './http/federation-http';
import { FederationHttpHandlers } from './http/federation-http.handlers';
import { ActivityDelivery } from './delivery/delivery';
import { DeliveryHealth } from './delivery/delivery-health';
import { RelationshipActivities } from './delivery/relationship-activities';
import { StatusActivities } from './delivery/status-activities';
import { StatusAudience } from './delivery/status-audience';
import { ActorActivities } from './inbox/actor-activities';
import { FollowActivities } from './inbox/follow-activities';
import { FollowAnswerActivities } from './inbox/follow-answer-activities';
import { Inbox } from './inbox/inbox';
import { NoteActivities } from './inbox/note-activities';
import { INBOX_HANDLERS, type InboxHandler } from './inbox/inbox-handler';
import { InteractionActivities } from './inbox/interaction-activities';
import { MoveActivities } from './inbox/move-activities';
import { AccountActivities } from './delivery/account-activities';
import { ActorKeysStore } from './keys/actor-keys';
import { RemoteAccountsHandlers } from './remote/remote-accounts.handlers';
import { NoteSubjects } from './notes/note-subjects';
import { StatusDocuments } from './notes/status-documents';
import { RemoteActors } from './remote/remote-actors';
import { SignedFetch } from './remote/signed-fetch';
import { InstanceActor } from './actors/instance-actor';
import { RemoteObjects } from './remote/remote-objects';
import { ResolveRemoteAccount } from './remote/resolve-remote-account';
import { WebfingerClient } from './remote/webfinger-client';

/**
 * ActivityPub: the documents of local actors and the keys they sign with, the discovery documents
 * (WebFinger, host-meta, NodeInfo), and remote accounts resolved by handle or id; answers
 * `federation.*` on the bus, the gateway passing ActivityPub and discovery requests to it as they arrived.
 */
@Module({
  imports: [HealthModule],
  controllers: [
    busController(contracts.federation.http, FederationHttpHandlers),
    busController(contracts.federation.remoteAccounts, RemoteAccountsHandlers),
  ],
  providers: [
    federationDatabaseProvider,
    postgresReadiness('federation', FEDERATION_DB),
    ActorKeysStore,
    // The one client requests leave the system through (ADR 0016).
    {
      provide: GuardedHttp,
      inject: [CONFIG],
      useFactory: (config: Config) => GuardedHttp.fromConfig(config, { version: MAMMUT_VERSION }),
    },
    InstanceActor,
    SignedFetch,
    RemoteActors,
    RemoteObjects,
    WebfingerClient,
    ResolveRemoteAccount,
    RemoteAccountsHandlers,
    // What the inbox applies, one handler per family of activities.
    FollowActivities,
    FollowAnswerActivities,
    NoteActivities,
    InteractionActivities,
    ActorActivities,
    MoveActivities,
    {
      provide: INBOX_HANDLERS,
      inject: [
        FollowActivities,
        FollowAnswerActivities,
        NoteActivities,
        InteractionActivities,
        ActorActivities,
        MoveActivities,
      ],
      useFactory: (...handlers: InboxHandler[]) => handlers,
    },
    Inbox,
    DeliveryHealth,
    ActivityDelivery,
    RelationshipActivities,
    AccountActivities,
    WebfingerDocuments,
    NodeInfoDocuments,
    DiscoveryHttp,
    NoteSubjects,
    StatusDocuments,
    StatusAudience,
    StatusActivities,
    FederationHttp,
    FederationHttpHandlers,
  ],
})
export class FederationModule implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    private readonly delivery: ActivityDelivery,
    private readonly relationshipActivities: RelationshipActivities,
    private readonly statusActivities: StatusActivities,
    private readonly accountActivities: AccountActivities,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    await this.delivery.start();
    await this.relationshipActivities.start();
    await this.statusActivities.start();
    await this.accountActivities.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.accountActivities.stop();
    await this.statusActivities.stop();
    await this.relationshipActivities.stop();
    await this.delivery.stop();
    await this.db.destroy();
  }
}
