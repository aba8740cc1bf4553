import type { AccountRecord } from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import type {
  MAccountsConfiguration,
  MExtendedDescription,
  MInstance,
  MInstanceActivity,
  MInstanceV1,
  MMediaConfiguration,
  MPollsConfiguration,
  MStatusesConfiguration,
} from './instance.entities';

/** The limits the instance enforces, by domain name; the serializers give them Mastodon's names. */
export interface InstanceLimits {
  readonly accounts: {
    displayName: number;
    note: number;
    avatarDescription: number;
    headerDescription: number;
    featuredTags: number;
    pinnedStatuses: number;
    fields: number;
    fieldName: number;
    fieldValue: number;
  };
  readonly statuses: { characters: number; mediaAttachments: number; charactersReservedPerUrl: number };
  readonly media: {
    supportedMimeTypes: readonly string[];
    descriptionLimit: number;
    imageSizeLimit: number;
    imageMatrixLimit: number;
    videoSizeLimit: number;
    videoFrameRateLimit: number;
    videoMatrixLimit: number;
  };
  readonly polls: {
    options: number;
    charactersPerOption: number;
    minExpiration: number;
    maxExpiration: number;
  };
}

/** Everything both instance documents say, gathered by the gateway from config and the services. */
export interface InstanceFacts {
  readonly domain: string;
  readonly title: string;
  /** Plain text. */
  readonly description: string;
  readonly contactEmail: string;
  readonly contactAccount: AccountRecord | null;
  readonly version: string;
  readonly sourceUrl: string;
  readonly apiVersion: number;
  readonly thumbnailUrl: string;
  readonly icons: readonly { url: string; size: number }[];
  readonly languages: readonly string[];
  /** `wss://host`: clients append `/api/v1/streaming` themselves. */
  readonly streamingOrigin: string;
  readonly aboutUrl: string;
  readonly vapidPublicKey: string;
  readonly registrations: { enabled: boolean; approvalRequired: boolean; reasonRequired: boolean };
  readonly users: { total: number; activeMonth: number };
  readonly statusCount: number;
  readonly domainCount: number;
  readonly limits: InstanceLimits;
}

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Plain text as the `<p>` HTML Mastodon sends where a field is rich text. */
export const plainToHtml = (text: string): string =>
  text
    .split(/\n{2,}/)
    .filter((paragraph) => paragraph.trim())
    .map((paragraph) => `<p>${escapeHtml(paragraph).replace(/\n/g, '<br>')}</p>`)
    .join('');

function accountsConfiguration(limits: InstanceLimits): MAccountsConfiguration {
  const a = limits.accounts;
  return {
    max_display_name_length: a.displayName,
    max_note_length: a.note,
    max_avatar_description_length: a.avatarDescription,
    max_header_description_length: a.headerDescription,
    max_featured_tags: a.featuredTags,
    max_pinned_statuses: a.pinnedStatuses,
    max_profile_fields: a.fields,
    profile_field_name_limit: a.fieldName,
    profile_field_value_limit: a.fieldValue,
  };
}

function statusesConfiguration(limits: InstanceLimits): MStatusesConfiguration {
  return {
    max_characters: limits.statuses.characters,
    max_media_attachments: limits.statuses.mediaAttachments,
    characters_reserved_per_url: limits.statuses.charactersReservedPerUrl,
  };
}

function mediaConfiguration(limits: InstanceLimits): MMediaConfiguration {
  const m = limits.media;
  return {
    supported_mime_types: [...m.supportedMimeTypes],
    description_limit: m.descriptionLimit,
    image_size_limit: m.imageSizeLimit,
    image_matrix_limit: m.imageMatrixLimit,
    video_size_limit: m.videoSizeLimit,
    video_frame_rate_limit: m.videoFrameRateLimit,
    video_matrix_limit: m.videoMatrixLimit,
  };
}

function pollsConfiguration(limits: InstanceLimits): MPollsConfiguration {
  return {
    max_options: limits.polls.options,
    max_characters_per_option: limits.polls.charactersPerOption,
    min_expiration: limits.polls.minExpiration,
    max_expiration: limits.polls.maxExpiration,
  };
}

export function serializeInstance(facts: InstanceFacts, ctx: SerializeContext): MInstance {
  const everyone = { local: 'public', remote: 'public' } as const;
  return {
    domain: facts.domain,
    title: facts.title,
    version: facts.version,
    source_url: facts.sourceUrl,
    description: facts.description,
    usage: { users: { active_month: facts.users.activeMonth } },
    thumbnail: { url: facts.thumbnailUrl },
    icon: facts.icons.map((icon) => ({ src: icon.url, size: `${icon.size}x${icon.size}` })),
    languages: [...facts.languages],
    configuration: {
      urls: {
        streaming: facts.streamingOrigin,
        status: null,
        about: facts.aboutUrl,
        privacy_policy: null,
        terms_of_service: null,
      },
      vapid: { public_key: facts.vapidPublicKey },
      accounts: accountsConfiguration(facts.limits),
      statuses: statusesConfiguration(facts.limits),
      media_attachments: mediaConfiguration(facts.limits),
      polls: pollsConfiguration(facts.limits),
      translation: { enabled: false },
      timelines_access: { live_feeds: everyone, hashtag_feeds: everyone, trending_link_feeds: everyone },
      limited_federation: false,
    },
    registrations: {
      enabled: facts.registrations.enabled,
      approval_required: facts.registrations.approvalRequired,
      message: null,
      url: null,
      min_age: null,
      reason_required: facts.registrations.reasonRequired,
    },
    api_versions: { mastodon: facts.apiVersion },
    contact: {
      email: facts.contactEmail,
      account: facts.contactAccount ? serializeAccount(facts.contactAccount, ctx) : null,
    },
    rules: [],
  };
}

export function serializeInstanceV1(facts: InstanceFacts, ctx: SerializeContext): MInstanceV1 {
  return {
    uri: facts.domain,
    title: facts.title,
    short_description: facts.description,
    description: plainToHtml(facts.description),
    email: facts.contactEmail,
    version: facts.version,
    urls: { streaming_api: facts.streamingOrigin },
    stats: {
      user_count: facts.users.total,
      status_count: facts.statusCount,
      domain_count: facts.domainCount,
    },
    thumbnail: facts.thumbnailUrl,
    languages: [...facts.languages],
    registrations: facts.registrations.enabled,
    approval_required: facts.registrations.approvalRequired,
    invites_enabled: false,
    configuration: {
      accounts: {
        max_featured_tags: facts.limits.accounts.featuredTags,
        max_pinned_statuses: facts.limits.accounts.pinnedStatuses,
      },
      statuses: statusesConfiguration(facts.limits),
      media_attachments: mediaConfiguration(facts.limits),
      polls: pollsConfiguration(facts.limits),
    },
    contact_account: facts.contactAccount ? serializeAccount(facts.contactAccount, ctx) : null,
    rules: [],
  };
}

/** Weekly figures with every number as a string, as Mastodon renders them. */
export function serializeInstanceActivity(
  weeks: readonly { weekStart: string; statuses: number; logins: number; registrations: number }[],
): MInstanceActivity[] {
  return weeks.map((week) => ({
    week: String(Math.floor(Date.parse(week.weekStart) / 1000)),
    statuses: String(week.statuses),
    logins: String(week.logins),
    registrations: String(week.registrations),
  }));
}

export function serializeExtendedDescription(updatedAt: string, description: string): MExtendedDescription {
  return { updated_at: updatedAt, content: plainToHtml(description) };
}
