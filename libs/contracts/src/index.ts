export * from './define';
export * from './errors';
export * from './catalogue';
export * from './accounts/records';
export * from './accounts/scopes';
export * from './accounts/relationships.contracts';
export * from './accounts/oauth.contracts';
export * from './accounts/admin.contracts';
export * from './accounts/remote.contracts';
export * from './accounts/migration.contracts';
export * from './accounts/filters.contracts';
export * from './accounts/lists.contracts';
export * from './accounts/grant-changes.contracts';
export * from './statuses/statuses.contracts';
export * from './statuses/interactions.contracts';
export * from './statuses/remote-interactions.contracts';
export * from './statuses/tags.contracts';
export * from './statuses/polls.contracts';
export * from './statuses/conversations.contracts';
export * from './statuses/scheduled-statuses.contracts';
export * from './statuses/remote-statuses.contracts';
export * from './timelines/timelines.contracts';
export * from './timelines/notifications.contracts';
export * from './timelines/notification-policy.contracts';
export * from './timelines/notification-groups.contracts';
export * from './federation/federation.contracts';
export * from './federation/domain-blocks.contracts';
export * from './federation/relays.contracts';
export * from './moderation/reports.contracts';
export * from './search/search.contracts';
export * from './media/media.contracts';
export * from './media/profile-images.contracts';
export * from './media/remote-media.contracts';
export * from './media/media-sniff';
import { accountsProfiles } from './accounts/accounts.contracts';
import { accountsRelationships } from './accounts/relationships.contracts';
import { accountsOAuth, accountsRegistration } from './accounts/oauth.contracts';
import { accountsInstance } from './accounts/instance.contracts';
import { accountsAdmin } from './accounts/admin.contracts';
import { accountsRemote } from './accounts/remote.contracts';
import { accountsMigration } from './accounts/migration.contracts';
import { accountsFilters } from './accounts/filters.contracts';
import { accountsLists } from './accounts/lists.contracts';
import { statusesStatuses } from './statuses/statuses.contracts';
import { statusesInteractions } from './statuses/interactions.contracts';
import { statusesRemoteInteractions } from './statuses/remote-interactions.contracts';
import { statusesTags } from './statuses/tags.contracts';
import { statusesPolls } from './statuses/polls.contracts';
import { statusesConversations } from './statuses/conversations.contracts';
import { statusesScheduledStatuses } from './statuses/scheduled-statuses.contracts';
import { statusesRemote } from './statuses/remote-statuses.contracts';
import { timelinesFeeds } from './timelines/timelines.contracts';
import { timelinesNotifications } from './timelines/notifications.contracts';
import { timelinesNotificationPolicy } from './timelines/notification-policy.contracts';
import { timelinesNotificationGroups } from './timelines/notification-groups.contracts';
import {
  federationHttp,
  federationJobs,
  federationRemoteAccounts,
  federationRemoteStatuses,
} from './federation/federation.contracts';
import { federationDomainBlocks } from './federation/domain-blocks.contracts';
import { federationRelays } from './federation/relays.contracts';
import { moderationReports } from './moderation/reports.contracts';
import { searchQueries } from './search/search.contracts';
import { mediaAttachments, mediaJobs } from './media/media.contracts';
import { profileImages } from './media/profile-images.contracts';
import { remoteMedia, remoteMediaJobs } from './media/remote-media.contracts';

/** Every request, event and job of Mammut, by service and feature. */
export const contracts = {
  accounts: {
    profiles: accountsProfiles,
    relationships: accountsRelationships,
    oauth: accountsOAuth,
    registration: accountsRegistration,
    instance: accountsInstance,
    admin: accountsAdmin,
    remote: accountsRemote,
    migration: accountsMigration,
    filters: accountsFilters,
    lists: accountsLists,
  },
  statuses: {
    statuses: statusesStatuses,
    interactions: statusesInteractions,
    remoteInteractions: statusesRemoteInteractions,
    tags: statusesTags,
    polls: statusesPolls,
    conversations: statusesConversations,
    scheduledStatuses: statusesScheduledStatuses,
    remote: statusesRemote,
  },
  timelines: {
    feeds: timelinesFeeds,
    notifications: timelinesNotifications,
    notificationPolicy: timelinesNotificationPolicy,
    notificationGroups: timelinesNotificationGroups,
  },
  federation: {
    http: federationHttp,
    remoteAccounts: federationRemoteAccounts,
    remoteStatuses: federationRemoteStatuses,
    domainBlocks: federationDomainBlocks,
    relays: federationRelays,
    jobs: federationJobs,
  },
  moderation: {
    reports: moderationReports,
  },
  search: searchQueries,
  media: {
    attachments: mediaAttachments,
    profileImages,
    remote: remoteMedia,
    jobs: { ...mediaJobs, ...remoteMediaJobs },
  },
} as const;
export * from './timelines/stream.contracts';
