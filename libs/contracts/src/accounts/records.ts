import { z } from 'zod';

/** Decimal string of a 64-bit snowflake id. Never a number. */
export const id = z.string().regex(/^\d{1,20}$/, 'must be a numeric id');
export const isoDate = z.string();

export const visibility = z.enum(['public', 'unlisted', 'private', 'direct']);
export type Visibility = z.infer<typeof visibility>;

export const role = z.enum(['user', 'moderator', 'admin']);
export type Role = z.infer<typeof role>;

export const profileField = z.object({
  name: z.string(),
  /** Rendered HTML. */
  value: z.string(),
  /** What the owner typed. */
  valueSource: z.string(),
  verifiedAt: isoDate.nullable(),
});
export type ProfileField = z.infer<typeof profileField>;

/**
 * A remote server's custom emoji as an object names it (an ActivityPub `Emoji` tag): its shortcode
 * without colons, and the image on that server. At most REMOTE_EMOJI_LIMIT are kept per object.
 */
export const remoteEmoji = z.object({
  shortcode: z.string().regex(/^[a-zA-Z0-9_]{2,100}$/),
  url: z.string().min(1).max(2048),
});
export type RemoteEmoji = z.infer<typeof remoteEmoji>;
export const REMOTE_EMOJI_LIMIT = 50;
/** The emoji an object carries; absent (older payloads) is none. */
export const remoteEmojis = z.array(remoteEmoji).max(REMOTE_EMOJI_LIMIT).default([]);

/** An account as the accounts service knows it, local (`domain` null) or remote. */
export const accountRecord = z.object({
  id,
  username: z.string(),
  domain: z.string().nullable(),
  displayName: z.string(),
  /** Rendered, sanitized HTML. */
  note: z.string(),
  noteSource: z.string(),
  uri: z.string(),
  url: z.string().nullable(),
  avatarUrl: z.string().nullable(),
  headerUrl: z.string().nullable(),
  /** The still first frame of an animated avatar or header; absent or null: the image is still. */
  avatarStaticUrl: z.string().nullable().optional(),
  headerStaticUrl: z.string().nullable().optional(),
  /** What the owner says each image shows; absent (older records) or empty: nothing said. */
  avatarDescription: z.string().optional(),
  headerDescription: z.string().optional(),
  locked: z.boolean(),
  bot: z.boolean(),
  group: z.boolean(),
  discoverable: z.boolean().nullable(),
  indexable: z.boolean(),
  hideCollections: z.boolean().nullable(),
  fields: z.array(profileField),
  createdAt: isoDate,
  lastStatusAt: isoDate.nullable(),
  statusesCount: z.number().int(),
  followersCount: z.number().int(),
  followingCount: z.number().int(),
  suspended: z.boolean(),
  limited: z.boolean(),
  memorial: z.boolean(),
  movedToAccountId: id.nullable(),
  /**
   * A remote account's custom emoji (its actor's Emoji tags); presenters show those its display
   * name, note and fields use. Local accounts have none yet.
   */
  emojis: remoteEmojis,
});
export type AccountRecord = z.infer<typeof accountRecord>;

/** ActivityPub actor types Mastodon accepts for accounts. `bot` is Service or Application, `group` is Group. */
export const actorType = z.enum(['Person', 'Service', 'Group', 'Application', 'Organization']);
export type ActorType = z.infer<typeof actorType>;

/**
 * An account with what federation needs to talk to it: where to deliver, its collections, the key
 * that signs its requests. Local accounts carry nulls there (federation serves their actors) and
 * the actor type their flags give.
 */
export const actorRecord = accountRecord.extend({
  actorType,
  inboxUrl: z.string().nullable(),
  sharedInboxUrl: z.string().nullable(),
  outboxUrl: z.string().nullable(),
  followersUrl: z.string().nullable(),
  followingUrl: z.string().nullable(),
  featuredCollectionUrl: z.string().nullable(),
  /** PEM. */
  publicKey: z.string().nullable(),
  /** The key's id (`<actor>#main-key`, or GoToSocial's `<actor>/main-key`). */
  publicKeyId: z.string().nullable(),
  alsoKnownAs: z.array(z.string()),
  /** The uri of the account it moved to (`movedTo`). */
  movedToUri: z.string().nullable(),
  /** The images on the remote server; `avatarUrl`/`headerUrl` are the local copies. */
  avatarRemoteUrl: z.string().nullable(),
  headerRemoteUrl: z.string().nullable(),
  lastWebfingeredAt: isoDate.nullable(),
  fetchedAt: isoDate.nullable(),
});
export type ActorRecord = z.infer<typeof actorRecord>;

/** What only the owner sees: the account plus its source settings and role. */
export const credentialRecord = z.object({
  account: accountRecord,
  userId: id,
  email: z.string(),
  role,
  privacy: visibility,
  sensitive: z.boolean(),
  language: z.string().nullable(),
  followRequestsCount: z.number().int(),
  expandMedia: z.enum(['default', 'show_all', 'hide_all']),
  expandSpoilers: z.boolean(),
});
export type CredentialRecord = z.infer<typeof credentialRecord>;

export const relationshipRecord = z.object({
  id,
  following: z.boolean(),
  showingReblogs: z.boolean(),
  notifying: z.boolean(),
  languages: z.array(z.string()).nullable(),
  followedBy: z.boolean(),
  /**
   * When the target started following the viewer (null unless `followedBy`): Mastodon's
   * notification policy counts a follower of less than three days as no follower.
   */
  followedBySince: isoDate.nullable(),
  blocking: z.boolean(),
  blockedBy: z.boolean(),
  muting: z.boolean(),
  mutingNotifications: z.boolean(),
  mutingExpiresAt: isoDate.nullable(),
  requested: z.boolean(),
  requestedBy: z.boolean(),
  domainBlocking: z.boolean(),
  endorsed: z.boolean(),
  note: z.string(),
});
export type RelationshipRecord = z.infer<typeof relationshipRecord>;

export const userState = z.object({
  userId: id,
  accountId: id,
  role,
  confirmed: z.boolean(),
  approved: z.boolean(),
  disabled: z.boolean(),
  suspended: z.boolean(),
});
export type UserState = z.infer<typeof userState>;

/** The result of authenticating a bearer token: who is acting, through which app, with which scopes. */
export const tokenGrant = z.object({
  tokenId: id,
  applicationId: id,
  scopes: z.array(z.string()),
  user: userState.nullable(),
});
export type TokenGrant = z.infer<typeof tokenGrant>;

export const applicationRecord = z.object({
  id,
  name: z.string(),
  website: z.string().nullable(),
  scopes: z.array(z.string()),
  redirectUris: z.array(z.string()),
  clientId: z.string(),
});
export type ApplicationRecord = z.infer<typeof applicationRecord>;

/** A page of rows cursored by their own row id (follows, blocks, mutes …), newest first. */
export const pageRequest = z.object({
  maxId: id.optional(),
  sinceId: id.optional(),
  minId: id.optional(),
  limit: z.number().int().min(1).max(200),
});
export type PageRequest = z.infer<typeof pageRequest>;
