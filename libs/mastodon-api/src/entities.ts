/** Mastodon REST entities, as clients receive them (snake_case, ids as strings, ISO datetimes). */

export interface MField {
  name: string;
  value: string;
  verified_at: string | null;
}

export interface MCustomEmoji {
  shortcode: string;
  url: string;
  static_url: string;
  visible_in_picker: boolean;
  /** Only for an emoji filed under one (Mastodon leaves it out otherwise). */
  category?: string | null;
}

export interface MAccountRole {
  id: string;
  name: string;
  color: string;
}

export interface MAccount {
  id: string;
  username: string;
  acct: string;
  url: string | null;
  uri: string;
  display_name: string;
  note: string;
  avatar: string;
  avatar_static: string;
  avatar_description: string;
  header: string;
  header_static: string;
  header_description: string;
  locked: boolean;
  bot: boolean;
  group: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  hide_collections: boolean | null;
  noindex: boolean | null;
  fields: MField[];
  emojis: MCustomEmoji[];
  roles: MAccountRole[];
  created_at: string;
  last_status_at: string | null;
  statuses_count: number;
  followers_count: number;
  following_count: number;
  memorial?: boolean;
  suspended?: boolean;
  limited?: boolean;
  moved?: MAccount | null;
}

export interface MRole {
  id: string;
  name: string;
  color: string;
  permissions: string;
  highlighted: boolean;
}

export interface MCredentialAccount extends MAccount {
  source: {
    privacy: string;
    sensitive: boolean;
    language: string | null;
    note: string;
    fields: MField[];
    follow_requests_count: number;
    hide_collections: boolean | null;
    discoverable: boolean | null;
    indexable: boolean;
    attribution_domains: string[];
  };
  role: MRole;
}

export interface MRelationship {
  id: string;
  following: boolean;
  showing_reblogs: boolean;
  notifying: boolean;
  languages: string[] | null;
  followed_by: boolean;
  blocking: boolean;
  blocked_by: boolean;
  muting: boolean;
  muting_notifications: boolean;
  muting_expires_at: string | null;
  requested: boolean;
  requested_by: boolean;
  domain_blocking: boolean;
  endorsed: boolean;
  note: string;
}

export interface MApplication {
  id: string;
  name: string;
  website: string | null;
  scopes: string[];
  redirect_uris: string[];
  redirect_uri: string;
  vapid_key: string;
}

export interface MCredentialApplication extends MApplication {
  client_id: string;
  client_secret: string;
  client_secret_expires_at: number;
}

export interface MToken {
  access_token: string;
  token_type: 'Bearer';
  scope: string;
  created_at: number;
}

export interface MPreferences {
  'posting:default:visibility': string;
  'posting:default:sensitive': boolean;
  'posting:default:language': string | null;
  'posting:default:quote_policy': string;
  'reading:expand:media': string;
  'reading:expand:spoilers': boolean;
}
