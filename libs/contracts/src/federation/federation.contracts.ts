import { z } from 'zod';
import { defineJob, defineRequest } from '../define';
import { id } from '../accounts/records';

/** The deliveries signed by the server itself (its instance actor) rather than an account. */
export const INSTANCE_ACTOR_SIGNER = 'instance';

/** The most parents one arriving reply has fetched, one after the other. */
export const THREAD_PARENTS_LIMIT = 5;

/** Request bodies federation takes, as Mastodon bounds them (1 MB). */
export const FEDERATION_BODY_LIMIT = 1024 * 1024;

/**
 * An HTTP request as it reached the gateway, untouched: federation answers ActivityPub and
 * discovery routes itself and verifies signatures on exactly the bytes and headers that arrived.
 */
export const rawHttpRequest = z.object({
  method: z.enum(['GET', 'HEAD', 'POST']),
  /** The path and query string as received (`/users/alice?page=1`). */
  target: z.string().min(1).max(8192),
  /** Header names lower-cased, repeated headers joined with `, ` as Node joins them. */
  headers: z.record(z.string(), z.string()),
  /** The raw body, base64; null without one. */
  body: z
    .string()
    .max(Math.ceil(FEDERATION_BODY_LIMIT / 3) * 4 + 4)
    .nullable(),
});
export type RawHttpRequest = z.infer<typeof rawHttpRequest>;

/** What the gateway sends back for it, as it is. */
export const rawHttpResponse = z.object({
  status: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.string()),
  /** UTF-8 text (JSON documents, redirects carry an empty body). */
  body: z.string(),
});
export type RawHttpResponse = z.infer<typeof rawHttpResponse>;

export const federationHttp = {
  /** One ActivityPub or discovery request, answered by the federation service. */
  handle: defineRequest('federation.http.handle', { request: rawHttpRequest, response: rawHttpResponse }),
};

/**
 * A remote account by its handle (`user@domain`, a leading `@` allowed) or by its actor id.
 * Resolving a handle asks the handle's server over WebFinger (host-meta's template when WebFinger
 * is missing), fetches the actor its `self` link names, and saves it with the handle WebFinger
 * confirmed, as Mastodon's ResolveAccountService does; an actor id is fetched and its handle
 * confirmed the same way. An account known and recently fetched is answered without asking.
 */
const resolveTarget = z.union([
  z.object({ acct: z.string().min(3).max(400) }).strict(),
  z.object({ uri: z.string().min(1).max(2048) }).strict(),
]);

export const federationRemoteAccounts = {
  /**
   * `not_found` when nobody answers for the handle or the actor is not acceptable (blocked
   * address, malformed document, a handle the actor's server does not confirm); `unavailable`
   * when the peer cannot be asked now (down, timing out, 5xx). A local handle or actor id is
   * answered from accounts.
   */
  resolve: defineRequest('federation.remote_account.resolve', {
    request: resolveTarget,
    response: z.object({ accountId: id }),
  }),
  /**
   * A known account read again now from its own server, whatever its age (a move's target, whose
   * `alsoKnownAs` must be current); a local one is answered as it is. `not_found` when the account
   * is unknown or its document is gone or not acceptable; `unavailable` when its server cannot be asked.
   */
  refresh: defineRequest('federation.remote_account.refresh', {
    request: z.object({ accountId: id }),
    response: z.object({ accountId: id }),
  }),
};

export const federationRemoteStatuses = {
  /**
   * A remote status by its URL (the object id, or a page whose document names the id on the same
   * host), as Mastodon's FetchRemoteStatusService: fetched signed from its server when it is not
   * stored here, its author (on the object's host) resolved, and stored, since a user asked for
   * it. `not_found` when the URL names no acceptable status (another host's author, a refused
   * address, not a note); `unavailable` when its server cannot be asked now.
   */
  resolve: defineRequest('federation.remote_status.resolve', {
    request: z.object({ uri: z.string().min(1).max(2048) }).strict(),
    response: z.object({ statusId: id }),
  }),
};

/** Work the federation service queues for itself. */
export const federationJobs = {
  /**
   * A known remote actor read again from its origin and saved: asked for when it signs something
   * and its copy here is over a day old (at most once a day per actor), so profiles, keys and
   * endpoints follow the remote server without waiting for its Update.
   */
  refreshActor: defineJob('jobs.federation.actor.refresh', {
    payload: z.object({ uri: z.string().url().max(2048) }),
  }),
  /**
   * One activity the inbox took: its signature verified and its actor the signer. Applied by the
   * handlers of its type off the request path, retried while what it needs (a peer, a service) is
   * away, as Mastodon's ActivityPub::ProcessingWorker.
   */
  process: defineJob('jobs.federation.activity.process', {
    payload: z.object({
      /** The verified sender. */
      actorId: z.string().url().max(2048),
      /** The activity as parsed from the body. */
      activity: z.record(z.string(), z.unknown()),
    }),
  }),
  /**
   * One activity to one inbox, signed by a local actor: retried on the schedule of the delivery
   * worker while the peer is down or answers 5xx/429, given up on any other refusal.
   */
  deliver: defineJob('jobs.federation.activity.deliver', {
    payload: z.object({
      inbox: z.string().url().max(2048),
      /** The activity, as the exact JSON text to send. */
      activity: z.string().max(FEDERATION_BODY_LIMIT),
      /** The local account that signs it, or the instance actor (relay subscriptions). */
      signerAccountId: z.union([id, z.literal(INSTANCE_ACTOR_SIGNER)]),
    }),
  }),
  /**
   * The status a stored reply answers, not known here: fetched and stored (one parent per job, as
   * Mastodon's ThreadResolveWorker), and its own unknown parent queued with `remaining` one less,
   * so that one arrival fetches at most THREAD_PARENTS_LIMIT parents.
   */
  resolveThread: defineJob('jobs.federation.thread.resolve', {
    payload: z.object({
      uri: z.string().url().max(2048),
      remaining: z.number().int().min(1).max(THREAD_PARENTS_LIMIT),
    }),
  }),
};
