import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { HealthModule } from '@mammut/platform';
import { AccountsController } from './api/v1/accounts/accounts.controller';
import { MigrationSettingsController } from './api/v1/mammut/migration-settings.controller';
import { ExportsController } from './api/v1/mammut/exports.controller';
import { ImportsController } from './api/v1/mammut/imports.controller';
import { ImportRelationships } from './api/v1/mammut/import-relationships';
import { CredentialsController } from './api/v1/accounts/credentials.controller';
import { AccountListsController } from './api/v1/accounts/account-lists.controller';
import { RelationshipActionsController } from './api/v1/accounts/relationship-actions.controller';
import { RelationshipsController } from './api/v1/accounts/relationships.controller';
import { BlocksAndMutesController } from './api/v1/blocks-and-mutes.controller';
import { DomainBlocksController } from './api/v1/domain-blocks.controller';
import { EndorsementsController } from './api/v1/endorsements.controller';
import { FollowRequestsController } from './api/v1/follow-requests.controller';
import { AuthGuard } from './auth/auth.guard';
import { BearerStrategy } from './auth/bearer.strategy';
import { ErrorFilter } from './http/error.filter';
import { Throttler } from './http/throttle/throttler';
import { serializeContextProvider } from './http/serialize-context';
import { AppsController } from './api/v1/apps.controller';
import { RegistrationController } from './api/v1/accounts/registration.controller';
import { vapidKeyProvider } from './http/vapid-key';
import { AuthorizationServerMetadataController } from './oauth/authorization-server-metadata.controller';
import { AuthorizeController } from './oauth/authorize.controller';
import { SignInController } from './oauth/sign-in.controller';
import { SignInStrategy } from './oauth/sign-in.strategy';
import { TokenController } from './oauth/token.controller';
import { WebSessions } from './oauth/web-sessions';
import { instanceControllers, instanceProviders } from './instance/instance.routes';
import { DefaultImagesController } from './media/default-images.controller';
import { MediaFilesController } from './media/media-files.controller';
import { MediaProxyController } from './media/media-proxy.controller';
import { MediaController } from './api/v1/media/media.controller';
import { StatusesController } from './api/v1/statuses/statuses.controller';
import { TimelinesController } from './api/v1/statuses/timelines.controller';
import { InteractionsController } from './api/v1/statuses/interactions.controller';
import { AnnouncementsController } from './api/v1/announcements.controller';
import { ReportsController } from './api/v1/reports.controller';
import { NotificationsController } from './api/v1/notifications.controller';
import { NotificationPresenter } from './api/v1/notification-presenter';
import { ReportPresenter } from './api/v1/report-presenter';
import { NotificationRequestsController } from './api/v1/notification-requests.controller';
import { NotificationsV2Controller } from './api/v2/notifications.controller';
import { NotificationGroupPresenter } from './api/v2/notification-group-presenter';
import { SearchController } from './api/v2/search.controller';
import { AccountFinder } from './api/v2/account-finder';
import { StreamingGateway } from './streaming/streaming.gateway';
import { TagsController } from './api/v1/tags.controller';
import { FeaturedTagsController } from './api/v1/featured-tags.controller';
import { StatusPresenter } from './api/v1/statuses/status-presenter';
import { FiltersV1Controller } from './api/v1/filters.controller';
import {
  FilterKeywordsController,
  FilterStatusesController,
  FiltersController,
} from './api/v2/filters.controller';
import { ListsController } from './api/v1/lists.controller';
import { StatusEditsController } from './api/v1/statuses/status-edits.controller';
import { PollsController } from './api/v1/polls.controller';
import { ScheduledStatusesController } from './api/v1/scheduled-statuses.controller';
import { ConversationsController } from './api/v1/conversations.controller';
import { ConversationPresenter } from './api/v1/conversation-presenter';
import { StatusMutesController } from './api/v1/statuses/mutes.controller';
import { StreamingEvents } from './streaming/streaming-events';
import { StreamingSse } from './streaming/streaming.sse';

/**
 * The only public HTTP entry: the Mastodon client API, OAuth, well-known documents. Controllers
 * mirror Mastodon's URLs; each one unpacks, asks a service over the bus, and serializes.
 * Routes with a fixed path segment must come before `:id` routes of the same prefix.
 */
@Module({
  imports: [HealthModule],
  controllers: [
    CredentialsController,
    MigrationSettingsController,
    ExportsController,
    ImportsController,
    StatusesController,
    TimelinesController,
    TagsController,
    FeaturedTagsController,
    InteractionsController,
    StatusEditsController,
    PollsController,
    ScheduledStatusesController,
    StatusMutesController,
    AnnouncementsController,
    ReportsController,
    NotificationsController,
    NotificationRequestsController,
    NotificationsV2Controller,
    RelationshipsController,
    RelationshipActionsController,
    AccountListsController,
    AccountsController,
    FollowRequestsController,
    BlocksAndMutesController,
    DomainBlocksController,
    EndorsementsController,
    FiltersV1Controller,
    FiltersController,
    FilterKeywordsController,
    FilterStatusesController,
    ListsController,
    SearchController,
    ConversationsController,
    AppsController,
    RegistrationController,
    AuthorizeController,
    SignInController,
    TokenController,
    AuthorizationServerMetadataController,
    DefaultImagesController,
    MediaFilesController,
    MediaProxyController,
    MediaController,
    ...instanceControllers,
  ],
  providers: [
    serializeContextProvider,
    ImportRelationships,
    StatusPresenter,
    AccountFinder,
    NotificationPresenter,
    ReportPresenter,
    NotificationGroupPresenter,
    ConversationPresenter,
    StreamingEvents,
    StreamingGateway,
    StreamingSse,
    vapidKeyProvider,
    WebSessions,
    ...instanceProviders,
    Throttler,
    // Passport strategies, each with its own registry (auth/passport.ts): bearer tokens for the
    // API, the sign-in form for the browser pages.
    BearerStrategy,
    SignInStrategy,
    // One guard admits every request: throttles by address, authentication, throttles by token
    // and user (auth/auth.guard.ts).
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
  ],
})
export class GatewayModule {}
