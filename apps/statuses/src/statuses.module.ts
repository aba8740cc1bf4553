import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  HealthModule,
  OutboxRelay,
  postgresReadiness,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB, STATUSES_SCHEMA, statusesDatabaseProviders } from './database/statuses-database';
import { CreateStatus } from './statuses/create-status.service';
import { InteractionsHandlers } from './interactions/interactions.handlers';
import { Interactions } from './interactions/interactions.service';
import { Pins } from './interactions/pins.service';
import { Reblogs } from './interactions/reblogs.service';
import { RemoteInteractionsHandlers } from './interactions/remote-interactions.handlers';
import { RemoteReblogs } from './interactions/remote-reblogs.service';
import { DeletedAccounts } from './statuses/deleted-accounts';
import { DeleteStatus } from './statuses/delete-status.service';
import { StatusesHandlers } from './statuses/statuses.handlers';
import { StatusesQueries } from './statuses/statuses.queries';
import { StatusChangesListener, StatusRecordsCache, ViewerStateCache } from './statuses/status-cache';
import { PollExpiry } from './polls/poll-expiry';
import { PollsHandlers } from './polls/polls.handlers';
import { Polls } from './polls/polls.service';
import { StatusRenderer } from './statuses/status-input';
import { UpdateStatus } from './statuses/update-status.service';
import { TagsHandlers } from './tags/tags.handlers';
import { ConversationMutes } from './conversations/conversation-mutes.service';
import { ConversationsHandlers } from './conversations/conversations.handlers';
import { Conversations } from './conversations/conversations.service';
import { Tags } from './tags/tags.service';
import { FeaturedTags } from './tags/featured-tags.service';
import { PostingIdempotency } from './statuses/posting-idempotency';
import { StatusVersions } from './statuses/status-versions';
import { DeleteRemoteStatus } from './remote/delete-remote-status.service';
import { RemoteStatusesHandlers } from './remote/remote-statuses.handlers';
import { SaveRemoteStatus } from './remote/save-remote-status.service';
import { PublishScheduledStatuses } from './scheduled-statuses/publish-scheduled-statuses';
import { ScheduleStatus } from './scheduled-statuses/schedule-status.service';
import { ScheduledStatusesHandlers } from './scheduled-statuses/scheduled-statuses.handlers';
import { ScheduledStatusesRepository } from './scheduled-statuses/scheduled-statuses.repository';

/** Statuses, local and remote; answers `statuses.*` on the bus and writes `events.statuses.*`. */
@Module({
  imports: [HealthModule],
  controllers: [
    busController(contracts.statuses.statuses, StatusesHandlers),
    busController(contracts.statuses.interactions, InteractionsHandlers),
    busController(contracts.statuses.remoteInteractions, RemoteInteractionsHandlers),
    busController(contracts.statuses.tags, TagsHandlers),
    busController(contracts.statuses.polls, PollsHandlers),
    busController(contracts.statuses.conversations, ConversationsHandlers),
    busController(contracts.statuses.scheduledStatuses, ScheduledStatusesHandlers),
    busController(contracts.statuses.remote, RemoteStatusesHandlers),
  ],
  providers: [
    ...statusesDatabaseProviders,
    postgresReadiness('statuses', STATUSES_DB),
    StatusRecordsCache,
    ViewerStateCache,
    StatusChangesListener,
    StatusesQueries,
    StatusRenderer,
    CreateStatus,
    StatusVersions,
    UpdateStatus,
    DeleteStatus,
    StatusesHandlers,
    Interactions,
    Reblogs,
    Pins,
    InteractionsHandlers,
    RemoteReblogs,
    RemoteInteractionsHandlers,
    DeletedAccounts,
    Tags,
    FeaturedTags,
    TagsHandlers,
    Polls,
    PollsHandlers,
    PollExpiry,
    Conversations,
    ConversationMutes,
    ConversationsHandlers,
    PostingIdempotency,
    ScheduledStatusesRepository,
    ScheduleStatus,
    ScheduledStatusesHandlers,
    PublishScheduledStatuses,
    SaveRemoteStatus,
    DeleteRemoteStatus,
    RemoteStatusesHandlers,
  ],
})
export class StatusesModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(STATUSES_DB) private readonly db: DataSource,
    private readonly pollExpiry: PollExpiry,
    private readonly publishScheduled: PublishScheduledStatuses,
    private readonly deletedAccounts: DeletedAccounts,
  ) {}

  /**
   * Before the bus server listens: refuse a schema that is behind, start relaying events, and (in
   * a server, not an operator command) sweep closed polls and due scheduled statuses and purge
   * what deleted accounts leave.
   */
  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    this.relay = await OutboxRelay.started(this.runtime, STATUSES_SCHEMA, this.db);
    if (this.runtime.config.consumeEvents) {
      this.pollExpiry.start();
      this.publishScheduled.start();
    }
    await this.deletedAccounts.start();
  }

  /** Last, after HTTP and the bus have drained: the relay finishes its batch, then the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.pollExpiry.stop();
    await this.publishScheduled.stop();
    await this.deletedAccounts.stop();
    await this.relay?.stop();
    await this.db.destroy();
  }
}
