import { z } from 'zod';
import { defineRequest } from '../define';
import { actorRecord, actorType, id, isoDate, relationshipRecord, remoteEmojis } from './records';

const url = z.string().min(1).max(2048);

/**
 * A remote actor as federation read it (its ActivityPub document, and the WebFinger answer that
 * confirmed its handle), in domain names. HTML (`note`, field values) arrives as the remote server
 * sent it and is sanitized here. Federation truncates to Mastodon's limits first (name 2048
 * characters, summary 20 KB, 256 aliases, 50 fields); longer is `invalid_request`.
 */
export const remoteActorDescription = z.object({
  /** The actor's id: the key of the account. */
  uri: url,
  /** `preferredUsername`, as WebFinger confirmed it. */
  username: z.string().min(1).max(200),
  /** The handle's domain (may carry a port); normalised here. Another host than the uri's only when `webfingeredAt` says WebFinger confirmed it. */
  domain: z.string().min(1).max(300),
  actorType,
  /** The profile page; kept only on the uri's host (Mastodon's rule), else the uri stands in. */
  url: url.nullable(),
  displayName: z.string().max(2048),
  note: z.string().max(20_000),
  avatarRemoteUrl: url.nullable(),
  headerRemoteUrl: url.nullable(),
  /** `manuallyApprovesFollowers`. */
  locked: z.boolean(),
  discoverable: z.boolean().nullable(),
  indexable: z.boolean(),
  memorial: z.boolean(),
  /** True when the followers or following collection shows no items. */
  hideCollections: z.boolean().nullable(),
  /** PropertyValue attachments; `verifiedAt` when federation verified the link (rel=me). */
  fields: z
    .array(
      z.object({ name: z.string().max(2048), value: z.string().max(20_000), verifiedAt: isoDate.nullable() }),
    )
    .max(50),
  inboxUrl: url,
  sharedInboxUrl: url.nullable(),
  outboxUrl: url.nullable(),
  followersUrl: url.nullable(),
  followingUrl: url.nullable(),
  featuredCollectionUrl: url.nullable(),
  /** PEM; refused when it is not a public key. */
  publicKey: z.string().max(20_000).nullable(),
  publicKeyId: url.nullable(),
  alsoKnownAs: z.array(url).max(256),
  /** `movedTo`; linked when that account is known here (federation saves it first), else dropped. */
  movedToUri: url.nullable(),
  /** Its Emoji tags (those of its name, summary and fields), replaced on each save. */
  emojis: remoteEmojis,
  /** `published`: becomes the account's creation time. */
  published: isoDate.nullable(),
  /** totalItems of outbox, followers and following; absent keeps what is stored. */
  statusesCount: z.number().int().min(0).optional(),
  followersCount: z.number().int().min(0).optional(),
  followingCount: z.number().int().min(0).optional(),
  /** When the document was fetched (default: now). */
  fetchedAt: isoDate.optional(),
  /**
   * The domain is silenced by the instance since then (the block's creation time): a new account
   * starts limited, as Mastodon's auto-silence; an account already known keeps its state.
   */
  silencedSince: isoDate.optional(),
  /** When WebFinger last confirmed `username@domain` points at `uri`; absent keeps what is stored. */
  webfingeredAt: isoDate.optional(),
});
export type RemoteActorDescription = z.infer<typeof remoteActorDescription>;

const actorPage = <K extends z.ZodType>(missing: K) =>
  z.object({ actors: z.array(actorRecord), missing: z.array(missing) });

/**
 * A remote server's answer to a local account's Follow: the request is named by the Follow's id
 * (the `uri` the follow_request.created event carried) or, for an embedded Follow without a known
 * id, by its follower. `actorId` is the account that sent the answer: only the target of the
 * request may answer it.
 */
const followAnswer = z
  .object({ actorId: id, uri: url.optional(), followerId: id.optional() })
  .refine((answer) => answer.uri !== undefined || answer.followerId !== undefined, {
    message: 'uri or followerId is required',
  });

/**
 * What federation asks of accounts: saving the remote actors it fetched, reading actors with what
 * delivery needs, and recording remote answers to local follows. The follow, block and mute
 * contracts of `relationships` work for remote accounts as they are.
 */
export const accountsRemote = {
  /**
   * Creates or updates a remote account by its uri (or by its handle, when WebFinger now points
   * the handle at a new uri, as after a reinstall). `conflict` when the handle belongs to another
   * known uri; `unprocessable` for a local or malformed domain, a uri off the domain's host
   * without WebFinger's word, a malformed username, URL or key.
   */
  /**
   * A remote account's cached avatar or header: `url` (the copy here, or null for none) becomes
   * its image only while its server's image is still `remoteUrl` (null: it has none); `taken`
   * says whether it did, so the caller keeps or drops the copy.
   */
  setRemoteProfileImage: defineRequest('accounts.remote_profile_image.set', {
    request: z
      .object({
        accountId: id,
        kind: z.enum(['avatar', 'header']),
        remoteUrl: z.string().nullable(),
        url: z.string().nullable(),
        /** The copy's still first frame, when it is animated (sent only then). */
        staticUrl: z.string().nullable().optional(),
      })
      .strict(),
    response: z.object({ taken: z.boolean() }),
  }),
  saveRemoteAccount: defineRequest('accounts.remote_account.save', {
    request: remoteActorDescription,
    response: z.object({ account: actorRecord, created: z.boolean() }),
  }),
  /** Accounts (local or remote) by id, with their federation columns. */
  getActors: defineRequest('accounts.actor.get', {
    request: z.object({ ids: z.array(id).max(200) }),
    response: actorPage(id),
  }),
  /** By actor id; a fragment (`#main-key`) is ignored, as Mastodon resolves key ids to actors. */
  getActorsByUri: defineRequest('accounts.actor.get_by_uri', {
    request: z.object({ uris: z.array(url).max(200) }),
    response: actorPage(z.string()),
  }),
  /** By `user@domain` (`user` or `user@<local domain>` for local ones), pending users included. */
  lookupActors: defineRequest('accounts.actor.lookup', {
    request: z.object({ accts: z.array(z.string().max(400)).max(200) }),
    response: actorPage(z.string()),
  }),
  /**
   * Where a local account's statuses go to reach its remote followers: each follower's shared
   * inbox when its server has one, else its own, once each (Mastodon's `Account#inboxes`), sorted;
   * suspended followers left out. Paged by the inbox itself: `after` is the last one of the page before.
   */
  listFollowerInboxes: defineRequest('accounts.follower_inbox.list', {
    request: z.object({ accountId: id, after: url.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({ inboxes: z.array(z.string()) }),
  }),
  /**
   * Every remote server's inbox known here (shared when it has one, else each account's), once
   * each, sorted, suspended accounts left out: where an account's deletion is announced, as
   * Mastodon sends a Delete of an actor to every inbox it knows. Paged like listFollowerInboxes.
   */
  listKnownInboxes: defineRequest('accounts.known_inbox.list', {
    request: z.object({ after: url.nullable(), limit: z.number().int().min(1).max(1000) }),
    response: z.object({ inboxes: z.array(z.string()) }),
  }),
  /**
   * One page of a local account's followers or followings as ActivityPub ids, newest follow first
   * (pages numbered from 1, as Mastodon's collections are), suspended accounts left out, and how
   * many there are in all: what federation serves as the account's followers and following
   * collections. Whether the owner hides them is federation's to apply.
   */
  listNetworkUris: defineRequest('accounts.network_uri.list', {
    request: z.object({
      accountId: id,
      direction: z.enum(['followers', 'following']),
      page: z.number().int().min(1).max(100_000),
      limit: z.number().int().min(1).max(100),
    }),
    response: z.object({ uris: z.array(z.string()), total: z.number().int() }),
  }),
  /**
   * An Accept of a local account's Follow: the pending request becomes a follow (events
   * follow_request.authorized and follow.created). Accepting a follow that already exists changes
   * nothing; `not_found` when there is neither. The answer is the follower's relationship to the actor.
   */
  acceptRemoteFollow: defineRequest('accounts.remote_follow.accept', {
    request: followAnswer,
    response: relationshipRecord,
  }),
  /**
   * A Reject: a pending request is dropped (follow_request.rejected), and a follow that was
   * accepted before ends (follow.removed, reason `removed`), as Mastodon reads a Reject of either.
   */
  rejectRemoteFollow: defineRequest('accounts.remote_follow.reject', {
    request: followAnswer,
    response: relationshipRecord,
  }),
  /**
   * An Undo naming a remote account's Follow by its id alone (Mastodon guesses what such an Undo
   * undoes): the sender's request or follow with that Follow id ends, as an unfollow does.
   * `not_found` when the sender has none by that id. The answer is its relationship to the target.
   */
  undoRemoteFollow: defineRequest('accounts.remote_follow.undo', {
    request: z.object({ actorId: id, uri: url }),
    response: relationshipRecord,
  }),
};
