import type { ActorRecord } from '@mammut/contracts';
import { contentTypeOfKey } from '@mammut/platform';

/** The `@context` of actor documents: ActivityStreams, security, and the terms Mastodon adds. */
export const ACTOR_CONTEXT = [
  'https://www.w3.org/ns/activitystreams',
  'https://w3id.org/security/v1',
  {
    manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
    toot: 'http://joinmastodon.org/ns#',
    featured: { '@id': 'toot:featured', '@type': '@id' },
    featuredTags: { '@id': 'toot:featuredTags', '@type': '@id' },
    alsoKnownAs: { '@id': 'as:alsoKnownAs', '@type': '@id' },
    movedTo: { '@id': 'as:movedTo', '@type': '@id' },
    schema: 'http://schema.org#',
    PropertyValue: 'schema:PropertyValue',
    value: 'schema:value',
    discoverable: 'toot:discoverable',
    indexable: 'toot:indexable',
    memorial: 'toot:memorial',
    suspended: 'toot:suspended',
  },
] as const;

export interface ActorDocumentHost {
  /** `https://example.com` */
  readonly publicOrigin: string;
  /** `example.com` */
  readonly localDomain: string;
}

/** Midnight UTC of the day the account was made, as Mastodon publishes it. */
const dayOf = (iso: string): string => `${iso.slice(0, 10)}T00:00:00Z`;

/**
 * A local account as an ActivityPub actor, in the shape Mastodon's ActorSerializer gives: the
 * collections under the actor's id, the shared inbox, its public key, profile fields as
 * PropertyValue. A suspended account is stripped to what identifies it, flagged `suspended`.
 */
export function actorDocument(
  account: ActorRecord,
  publicKeyPem: string,
  host: ActorDocumentHost,
): Record<string, unknown> {
  const id = account.uri;
  const suspended = account.suspended;
  const profile = account.url ?? `${host.publicOrigin}/@${account.username}`;
  // With its type, as Mastodon's ImageSerializer gives it (a GIF avatar is `image/gif`).
  const image = (url: string | null): Record<string, unknown> | undefined =>
    url && !suspended ? { type: 'Image', ...mediaTypeOf(url), url } : undefined;
  return {
    '@context': ACTOR_CONTEXT,
    id,
    type: account.actorType === 'Person' && account.bot ? 'Service' : account.actorType,
    following: `${id}/following`,
    followers: `${id}/followers`,
    inbox: `${id}/inbox`,
    outbox: `${id}/outbox`,
    featured: `${id}/collections/featured`,
    featuredTags: `${id}/collections/tags`,
    preferredUsername: account.username,
    name: suspended ? '' : account.displayName || account.username,
    summary: suspended ? '' : account.note,
    url: profile,
    manuallyApprovesFollowers: !suspended && account.locked,
    discoverable: !suspended && account.discoverable === true,
    indexable: !suspended && account.indexable,
    published: dayOf(account.createdAt),
    memorial: !suspended && account.memorial,
    ...(suspended ? { suspended: true } : {}),
    publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
    tag: [],
    attachment: suspended
      ? []
      : account.fields.map((field) => ({ type: 'PropertyValue', name: field.name, value: field.value })),
    endpoints: { sharedInbox: `${host.publicOrigin}/inbox` },
    ...(account.alsoKnownAs.length ? { alsoKnownAs: account.alsoKnownAs } : {}),
    ...(account.movedToUri ? { movedTo: account.movedToUri } : {}),
    ...(image(account.avatarUrl) ? { icon: image(account.avatarUrl) } : {}),
    ...(image(account.headerUrl) ? { image: image(account.headerUrl) } : {}),
  };
}

/** What Mastodon's secure mode shows of an actor to an unsigned request: enough to verify its signatures. */
const BARE_ACTOR_FIELDS = ['@context', 'id', 'type', 'preferredUsername', 'inbox', 'publicKey', 'endpoints'];

/** The actor document cut down to {@link BARE_ACTOR_FIELDS} (Mastodon's restrict_fields_to). */
export function bareActorDocument(document: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(document).filter(([key]) => BARE_ACTOR_FIELDS.includes(key)));
}

/** The type of a stored file, from its URL's extension (as the media service names its files). */
function mediaTypeOf(url: string): { mediaType?: string } {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not absolute: its path is what it is.
  }
  const type = contentTypeOfKey(path);
  return type === 'application/octet-stream' ? {} : { mediaType: type };
}
