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
  OutboxRelay,
  postgresReadiness,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import {
  FEDERATION_DB,
  FEDERATION_SCHEMA,
  federationDatabaseProvider,
  federationOutboxProvider,
} from './database/federation-database';
import { DiscoveryHttp } from './discovery/discovery-http';
import { DomainBlocks } from './domain-blocks/domain-blocks';
import { DomainBlocksHandlers } from './domain-blocks/domain-blocks.handlers';
import { Relays } from './relays/relays';
import { RelaysHandlers } from './relays/relays.handlers';
import { NodeInfoDocuments } from './discovery/nodeinfo';
import { WebfingerDocuments } from './discovery/webfinger';
import { ActorCollections } from './collections/actor-collections';
import { FeaturedInbox } from './collections/featured-inbox';
import { PinActivities } from './collections/pin-activities';
import { FederationHttp } from './http/federation-http';
import { FederationHttpHandlers } from './http/federation-http.handlers';
import { SignedRequests } from './http/signed-requests';
import { ActivityDelivery } from './delivery/delivery';
import { DeliveryHealth } from './delivery/delivery-health';
import { RelationshipActivities } from './delivery/relationship-activities';
import { PollActivities } from './delivery/poll-activities';
import { ProfileActivities } from './delivery/profile-activities';
import { ReportActivities } from './delivery/report-activities';
import { StatusActivities } from './delivery/status-activities';
import { StatusAudience } from './delivery/status-audience';
import { ActorActivities } from './inbox/actor-activities';
import { FollowActivities } from './inbox/follow-activities';
import { FlagActivities } from './inbox/flag-activities';
import { FollowAnswerActivities } from './inbox/follow-answer-activities';
import { Inbox } from './inbox/inbox';
import { NoteActivities } from './inbox/note-activities';
import { INBOX_HANDLERS, type InboxHandler } from './inbox/inbox-handler';
import { InteractionActivities } from './inbox/interaction-activities';
import { MoveActivities } from './inbox/move-activities';
import { ActorKeysStore } from './keys/actor-keys';
import { RemoteAccountsHandlers } from './remote/remote-accounts.handlers';
import { RemoteNotes } from './remote/remote-notes';
import { RemoteStatusesHandlers } from './remote/remote-statuses.handlers';
import { ResolveRemoteStatus } from './remote/resolve-remote-status';
import { ThreadQueue } from './remote/thread-queue';
import { ThreadWorker } from './remote/thread-worker';
import { NoteSubjects } from './notes/note-subjects';
import { StatusDocuments } from './notes/status-documents';
import { RemoteActors } from './remote/remote-actors';
import { SignedFetch } from './remote/signed-fetch';
import { InstanceActor } from './actors/instance-actor';
import { LocalActorDocuments } from './actors/local-actor-documents';
import { RemoteObjects } from './remote/remote-objects';
import { ResolveRemoteAccount } from './remote/resolve-remote-account';
import { WebfingerClient } from './remote/webfinger-client';

/**
 * ActivityPub: the documents of local actors and the keys they sign with, the discovery documents
 * (WebFinger, host-meta, NodeInfo), remote accounts resolved by handle or id and remote statuses
 * by URL (their threads fetched as jobs), the relays the instance subscribes to; answers
 * `federation.*` on the bus, the gateway passing ActivityPub and discovery requests to it as they arrived.
 */
@Module({
  imports: [HealthModule],
  controllers: [
    busController(contracts.federation.http, FederationHttpHandlers),
    busController(contracts.federation.remoteAccounts, RemoteAccountsHandlers),
    busController(contracts.federation.remoteStatuses, RemoteStatusesHandlers),
    busController(contracts.federation.domainBlocks, DomainBlocksHandlers),
    busController(contracts.federation.relays, RelaysHandlers),
  ],
  providers: [
    federationDatabaseProvider,
    federationOutboxProvider,
    postgresReadiness('federation', FEDERATION_DB),
    ActorKeysStore,
    DomainBlocks,
    DomainBlocksHandlers,
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
    ThreadQueue,
    RemoteNotes,
    ResolveRemoteStatus,
    RemoteStatusesHandlers,
    ThreadWorker,
    // What the inbox applies, one handler per family of activities.
    FollowActivities,
    FollowAnswerActivities,
    NoteActivities,
    InteractionActivities,
    ActorActivities,
    FeaturedInbox,
    MoveActivities,
    FlagActivities,
    {
      provide: INBOX_HANDLERS,
      inject: [
        FollowActivities,
        FollowAnswerActivities,
        NoteActivities,
        InteractionActivities,
        ActorActivities,
        FeaturedInbox,
        MoveActivities,
        FlagActivities,
      ],
      useFactory: (...handlers: InboxHandler[]) => handlers,
    },
    SignedRequests,
    Inbox,
    DeliveryHealth,
    ActivityDelivery,
    Relays,
    RelaysHandlers,
    RelationshipActivities,
    WebfingerDocuments,
    NodeInfoDocuments,
    DiscoveryHttp,
    NoteSubjects,
    StatusDocuments,
    StatusAudience,
    StatusActivities,
    PollActivities,
    ProfileActivities,
    ReportActivities,
    PinActivities,
    ActorCollections,
    LocalActorDocuments,
    FederationHttp,
    FederationHttpHandlers,
  ],
})
export class FederationModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    private readonly delivery: ActivityDelivery,
    private readonly relationshipActivities: RelationshipActivities,
    private readonly statusActivities: StatusActivities,
    private readonly pollActivities: PollActivities,
    private readonly profileActivities: ProfileActivities,
    private readonly reportActivities: ReportActivities,
    private readonly inbox: Inbox,
    private readonly remoteActors: RemoteActors,
    private readonly pinActivities: PinActivities,
    private readonly threads: ThreadWorker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    this.relay = await OutboxRelay.started(this.runtime, FEDERATION_SCHEMA, this.db);
    await this.delivery.start();
    await this.relationshipActivities.start();
    await this.statusActivities.start();
    await this.pollActivities.start();
    await this.profileActivities.start();
    await this.reportActivities.start();
    await this.pinActivities.start();
    await this.threads.start();
    await this.inbox.start();
    await this.remoteActors.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.remoteActors.stop();
    await this.inbox.stop();
    await this.threads.stop();
    await this.pinActivities.stop();
    await this.reportActivities.stop();
    await this.profileActivities.stop();
    await this.pollActivities.stop();
    await this.statusActivities.stop();
    await this.relationshipActivities.stop();
    await this.delivery.stop();
    await this.relay?.stop();
    await this.db.destroy();
  }
}
