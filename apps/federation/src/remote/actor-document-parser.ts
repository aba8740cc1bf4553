import type { ActorType, RemoteActorDescription } from '@mammut/contracts';
import { z } from 'zod';
import { parseEmojiTags, urlOf } from './note-parser';

const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
const ACTOR_TYPES: readonly ActorType[] = ['Person', 'Service', 'Group', 'Application', 'Organization'];

const httpUrl = z
  .string()
  .max(2048)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname !== '';
    } catch {
      return false;
    }
  });

/** A URL given as a string or as an object with an `id` or `href`, as peers write links. */
const link = z.union([
  httpUrl,
  z.object({ id: httpUrl }).transform((o) => o.id),
  z.object({ href: httpUrl }).transform((o) => o.href),
]);
const image = z
  .union([httpUrl, z.object({ url: link })])
  .transform((value) => (typeof value === 'string' ? value : value.url));
const first = <T extends z.ZodType>(schema: T) =>
  z.union([
    schema,
    z
      .array(schema)
      .min(1)
      .transform((items) => items[0]),
  ]);

const key = z.object({ id: httpUrl, owner: httpUrl, publicKeyPem: z.string().max(20_000) });

/** What Mammut reads of a remote actor, as Mastodon reads it: plain JSON under fixed names. */
const actorDocument = z.object({
  '@context': z.unknown(),
  id: httpUrl,
  type: z.string(),
  preferredUsername: z.string().min(1).max(200),
  name: z.string().nullish(),
  summary: z.string().nullish(),
  url: z.unknown().optional(),
  inbox: httpUrl,
  outbox: link.nullish().catch(null),
  followers: link.nullish().catch(null),
  following: link.nullish().catch(null),
  featured: link.nullish().catch(null),
  endpoints: z
    .object({ sharedInbox: httpUrl.nullish().catch(null) })
    .nullish()
    .catch(null),
  sharedInbox: httpUrl.nullish().catch(null),
  manuallyApprovesFollowers: z.boolean().nullish().catch(null),
  discoverable: z.boolean().nullish().catch(null),
  indexable: z.boolean().nullish().catch(null),
  memorial: z.boolean().nullish().catch(null),
  icon: first(image).nullish().catch(null),
  image: first(image).nullish().catch(null),
  published: z.string().nullish().catch(null),
  alsoKnownAs: z.array(z.string()).nullish().catch(null),
  movedTo: httpUrl.nullish().catch(null),
  publicKey: z.union([key, z.array(z.unknown()).transform((keys) => keys.slice(0, 10))]).nullish(),
  attachment: z.array(z.unknown()).nullish().catch(null),
  tag: z.unknown().optional(),
});

const propertyValue = z.object({ type: z.literal('PropertyValue'), name: z.string(), value: z.string() });

export type ParsedActor =
  | {
      readonly ok: true;
      readonly actor: RemoteActorDescription;
      readonly keys: readonly z.infer<typeof key>[];
    }
  | { readonly ok: false; readonly error: string };

const hasAsContext = (context: unknown): boolean =>
  context === AS_CONTEXT || (Array.isArray(context) && context.includes(AS_CONTEXT));

const published = (value: string | null | undefined): string | null => {
  if (!value) return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
};

/**
 * A fetched actor document as the accounts service saves it, checked as Mastodon checks one
 * (fetch_remote_actor_service): an ActivityStreams context, a known actor type, an id equal to the
 * URL it was fetched from, an inbox, and keys owned by the actor itself; truncated to Mastodon's
 * limits; `url` the text/html one of several links, as Mastodon prefers it, http(s) only; its
 * custom emoji from its Emoji tags (parseEmojiTags). The
 * handle's domain is the id's host: WebFinger confirmation comes later.
 */
export function parseActorDocument(json: unknown, fetchedFrom: string): ParsedActor {
  const parsed = actorDocument.safeParse(json);
  if (!parsed.success) return { ok: false, error: 'not an actor document' };
  const doc = parsed.data;
  if (!hasAsContext(doc['@context'])) return { ok: false, error: 'not ActivityStreams' };
  if (!ACTOR_TYPES.includes(doc.type as ActorType))
    return { ok: false, error: `not an actor type: ${doc.type}` };
  if (doc.id !== fetchedFrom) return { ok: false, error: 'id differs from where it was fetched' };
  const keys = (Array.isArray(doc.publicKey) ? doc.publicKey : doc.publicKey ? [doc.publicKey] : []).flatMap(
    (candidate) => {
      const valid = key.safeParse(candidate);
      return valid.success && valid.data.owner === doc.id ? [valid.data] : [];
    },
  );
  const host = new URL(doc.id).host;
  const main = keys[0];
  const fields = (doc.attachment ?? []).flatMap((item) => {
    const field = propertyValue.safeParse(item);
    return field.success
      ? [{ name: field.data.name.slice(0, 2048), value: field.data.value.slice(0, 20_000), verifiedAt: null }]
      : [];
  });
  return {
    ok: true,
    keys,
    actor: {
      uri: doc.id,
      username: doc.preferredUsername,
      domain: host,
      actorType: doc.type as ActorType,
      // Whether a page on another host stands is the accounts service's rule (it keeps the id then).
      url: urlOf(doc.url),
      displayName: (doc.name ?? '').slice(0, 2048),
      note: (doc.summary ?? '').slice(0, 20_000),
      avatarRemoteUrl: doc.icon ?? null,
      headerRemoteUrl: doc.image ?? null,
      locked: doc.manuallyApprovesFollowers ?? false,
      discoverable: doc.discoverable ?? null,
      indexable: doc.indexable ?? false,
      memorial: doc.memorial ?? false,
      hideCollections: null,
      fields: fields.slice(0, 50),
      inboxUrl: doc.inbox,
      sharedInboxUrl: doc.endpoints?.sharedInbox ?? doc.sharedInbox ?? null,
      outboxUrl: doc.outbox ?? null,
      followersUrl: doc.followers ?? null,
      followingUrl: doc.following ?? null,
      featuredCollectionUrl: doc.featured ?? null,
      publicKey: main?.publicKeyPem ?? null,
      publicKeyId: main?.id ?? null,
      alsoKnownAs: (doc.alsoKnownAs ?? []).filter((uri) => httpUrl.safeParse(uri).success).slice(0, 256),
      // Linked by accounts only to an account already known here: a redirect, not a move of followers.
      movedToUri: doc.movedTo && doc.movedTo !== doc.id ? doc.movedTo : null,
      published: published(doc.published),
      emojis: parseEmojiTags(doc.tag),
    },
  };
}
