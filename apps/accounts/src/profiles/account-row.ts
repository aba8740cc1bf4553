import type { AccountRecord, ActorRecord, ActorType, ProfileField, RemoteEmoji } from '@mammut/contracts';

/** The columns of `accounts.accounts` that make an AccountRecord, for every query that returns one. */
export const ACCOUNT_COLUMNS = `a.id, a.username, a.domain, a.display_name, a.note, a.note_html, a.uri, a.url, a.avatar_url,
  a.header_url, a.avatar_static_url, a.header_static_url, a.avatar_description, a.header_description, a.locked, a.bot, a."group", a.discoverable, a.indexable, a.hide_collections, a.fields, a.followers_count,
  a.following_count, a.statuses_count, a.last_status_at, a.suspended_at, a.silenced_at, a.memorial, a.moved_to_account_id,
  a.created_at, a.emojis`;

/**
 * The same columns for a row read as one JSON value (`to_json`): bigint ids as text, since JSON
 * numbers cannot hold them; timestamps arrive as ISO 8601 strings.
 */
export const ACCOUNT_JSON_COLUMNS = ACCOUNT_COLUMNS.replace('a.id,', 'a.id::text AS id,').replace(
  'a.moved_to_account_id',
  'a.moved_to_account_id::text AS moved_to_account_id',
);

/**
 * Whether the API shows `a`: every remote account, and local ones whose user confirmed its e-mail
 * address and was approved (Mastodon answers 404 for the others, and for local accounts without a user).
 */
export const SHOWN_ACCOUNT = `(a.domain IS NOT NULL OR EXISTS (SELECT 1 FROM accounts.users u
  WHERE u.account_id = a.id AND u.confirmed_at IS NOT NULL AND u.approved))`;

/** A timestamp column, whether pg parsed it (a Date) or it came inside JSON (a string). */
type Timestamp = Date | string;
const iso = (value: Timestamp): string => (typeof value === 'string' ? new Date(value) : value).toISOString();

export interface AccountRow {
  id: string;
  username: string;
  domain: string | null;
  display_name: string;
  note: string;
  note_html: string;
  uri: string;
  url: string | null;
  avatar_url: string | null;
  header_url: string | null;
  avatar_static_url: string | null;
  header_static_url: string | null;
  avatar_description: string;
  header_description: string;
  locked: boolean;
  bot: boolean;
  group: boolean;
  discoverable: boolean | null;
  indexable: boolean;
  hide_collections: boolean | null;
  fields: ProfileField[];
  followers_count: number;
  following_count: number;
  statuses_count: number;
  last_status_at: Timestamp | null;
  suspended_at: Timestamp | null;
  silenced_at: Timestamp | null;
  memorial: boolean;
  moved_to_account_id: string | null;
  created_at: Timestamp;
  emojis: RemoteEmoji[];
}

export function toAccountRecord(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    username: row.username,
    domain: row.domain,
    displayName: row.display_name,
    note: row.note_html,
    noteSource: row.note,
    uri: row.uri,
    url: row.url,
    avatarUrl: row.avatar_url,
    headerUrl: row.header_url,
    avatarStaticUrl: row.avatar_static_url,
    headerStaticUrl: row.header_static_url,
    avatarDescription: row.avatar_description,
    headerDescription: row.header_description,
    locked: row.locked,
    bot: row.bot,
    group: row.group,
    discoverable: row.discoverable,
    indexable: row.indexable,
    hideCollections: row.hide_collections,
    fields: row.fields,
    createdAt: iso(row.created_at),
    lastStatusAt: row.last_status_at === null ? null : iso(row.last_status_at),
    statusesCount: row.statuses_count,
    followersCount: row.followers_count,
    followingCount: row.following_count,
    suspended: row.suspended_at !== null,
    limited: row.silenced_at !== null,
    memorial: row.memorial,
    movedToAccountId: row.moved_to_account_id,
    emojis: row.emojis,
  };
}

/** The federation columns that, with ACCOUNT_COLUMNS, make an ActorRecord. */
export const ACTOR_COLUMNS = `a.actor_type, a.inbox_url, a.shared_inbox_url, a.outbox_url, a.followers_url,
  a.following_url, a.featured_collection_url, a.public_key, a.public_key_id, a.also_known_as, a.avatar_remote_url,
  a.header_remote_url, a.last_webfingered_at, a.fetched_at,
  (SELECT m.uri FROM accounts.accounts m WHERE m.id = a.moved_to_account_id) AS moved_to_uri`;

export interface ActorRow extends AccountRow {
  actor_type: ActorType | null;
  inbox_url: string | null;
  shared_inbox_url: string | null;
  outbox_url: string | null;
  followers_url: string | null;
  following_url: string | null;
  featured_collection_url: string | null;
  public_key: string | null;
  public_key_id: string | null;
  also_known_as: string[];
  moved_to_uri: string | null;
  avatar_remote_url: string | null;
  header_remote_url: string | null;
  last_webfingered_at: Timestamp | null;
  fetched_at: Timestamp | null;
}

export function toActorRecord(row: ActorRow): ActorRecord {
  return {
    ...toAccountRecord(row),
    // Local accounts have no stored type: their flags say what federation presents them as.
    actorType: row.actor_type ?? (row.group ? 'Group' : row.bot ? 'Service' : 'Person'),
    inboxUrl: row.inbox_url,
    sharedInboxUrl: row.shared_inbox_url,
    outboxUrl: row.outbox_url,
    followersUrl: row.followers_url,
    followingUrl: row.following_url,
    featuredCollectionUrl: row.featured_collection_url,
    publicKey: row.public_key,
    publicKeyId: row.public_key_id,
    alsoKnownAs: row.also_known_as,
    movedToUri: row.moved_to_uri,
    avatarRemoteUrl: row.avatar_remote_url,
    headerRemoteUrl: row.header_remote_url,
    lastWebfingeredAt: row.last_webfingered_at === null ? null : iso(row.last_webfingered_at),
    fetchedAt: row.fetched_at === null ? null : iso(row.fetched_at),
  };
}
