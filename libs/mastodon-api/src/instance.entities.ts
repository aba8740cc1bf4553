import type { MAccount } from './entities';

/** Instance entities of `/api/v1/instance` and `/api/v2/instance`, as clients receive them. */

export interface MRule {
  id: string;
  text: string;
  hint: string;
  translations: Record<string, { text: string; hint: string }>;
}

export interface MAccountsConfiguration {
  max_display_name_length: number;
  max_note_length: number;
  max_avatar_description_length: number;
  max_header_description_length: number;
  max_featured_tags: number;
  max_pinned_statuses: number;
  max_profile_fields: number;
  profile_field_name_limit: number;
  profile_field_value_limit: number;
}

export interface MStatusesConfiguration {
  max_characters: number;
  max_media_attachments: number;
  characters_reserved_per_url: number;
}

export interface MMediaConfiguration {
  supported_mime_types: string[];
  description_limit: number;
  image_size_limit: number;
  image_matrix_limit: number;
  video_size_limit: number;
  video_frame_rate_limit: number;
  video_matrix_limit: number;
}

export interface MPollsConfiguration {
  max_options: number;
  max_characters_per_option: number;
  min_expiration: number;
  max_expiration: number;
}

export type MFeedAccess = 'public' | 'authenticated' | 'disabled';

export interface MInstance {
  domain: string;
  title: string;
  version: string;
  source_url: string;
  description: string;
  usage: { users: { active_month: number } };
  thumbnail: { url: string; blurhash?: string; versions?: Record<string, string>; description?: string };
  icon: { src: string; size: string }[];
  languages: string[];
  configuration: {
    urls: {
      streaming: string;
      status: string | null;
      about: string;
      privacy_policy: string | null;
      terms_of_service: string | null;
    };
    vapid: { public_key: string };
    accounts: MAccountsConfiguration;
    statuses: MStatusesConfiguration;
    media_attachments: MMediaConfiguration;
    polls: MPollsConfiguration;
    translation: { enabled: boolean };
    timelines_access: Record<
      'live_feeds' | 'hashtag_feeds' | 'trending_link_feeds',
      { local: MFeedAccess; remote: MFeedAccess }
    >;
    limited_federation: boolean;
  };
  registrations: {
    enabled: boolean;
    approval_required: boolean;
    message: string | null;
    url: string | null;
    min_age: number | null;
    reason_required: boolean | null;
  };
  api_versions: { mastodon: number };
  contact: { email: string; account: MAccount | null };
  rules: MRule[];
}

export interface MInstanceV1 {
  uri: string;
  title: string;
  short_description: string;
  description: string;
  email: string;
  version: string;
  urls: { streaming_api: string };
  stats: { user_count: number; status_count: number; domain_count: number };
  thumbnail: string | null;
  languages: string[];
  registrations: boolean;
  approval_required: boolean;
  invites_enabled: boolean;
  configuration: {
    accounts: { max_featured_tags: number; max_pinned_statuses: number };
    statuses: MStatusesConfiguration;
    media_attachments: MMediaConfiguration;
    polls: MPollsConfiguration;
  };
  contact_account: MAccount | null;
  rules: MRule[];
}

export interface MInstanceActivity {
  /** UNIX seconds of the week's start, as a string like every number here. */
  week: string;
  statuses: string;
  logins: string;
  registrations: string;
}

export interface MExtendedDescription {
  updated_at: string;
  content: string;
}

/** One entry of `/api/v1/instance/domain_blocks` (Mastodon's DomainBlock entity). */
export interface MDomainBlock {
  /** The domain, partly starred out when the block is obfuscated. */
  domain: string;
  /** SHA-256 of the real domain, hex: lets a client check a domain it knows against the list. */
  digest: string;
  severity: 'silence' | 'suspend';
  /** The public comment; absent unless the instance shows rationales to this viewer. */
  comment?: string | null;
}
