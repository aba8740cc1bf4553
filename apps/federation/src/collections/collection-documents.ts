import { ACTIVITY_STREAMS, NOTE_CONTEXT } from '../notes/note-documents';

type Json = Record<string, unknown>;

/** Statuses per outbox page (Mastodon's OutboxesController::LIMIT). */
export const OUTBOX_PAGE_SIZE = 20;
/** Accounts per followers or following page (Mastodon's FOLLOW_PER_PAGE). */
export const NETWORK_PAGE_SIZE = 12;

/** Where an outbox page starts: below `maxId`, above `minId`, or at the newest without either. */
export interface OutboxCursor {
  readonly maxId?: string;
  readonly minId?: string;
}

/** One item of an outbox page: the status it is and its Create or Announce, without `@context`. */
export interface OutboxEntry {
  readonly statusId: string;
  readonly activity: Json;
}

/**
 * A page URL as Rails writes it: the query parameters in alphabetical order (`Hash#to_query`), so
 * that the ids here match the ones Mastodon gives its own pages.
 */
const pageUrl = (collection: string, params: Record<string, string | undefined>): string => {
  const query = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
  return `${collection}?${query}`;
};

/** The outbox itself: how many statuses, and where its pages start (the newest, and the oldest). */
export const outboxCollection = (outbox: string, statusesCount: number): Json => ({
  '@context': ACTIVITY_STREAMS,
  id: outbox,
  type: 'OrderedCollection',
  totalItems: statusesCount,
  first: pageUrl(outbox, { page: 'true' }),
  last: pageUrl(outbox, { page: 'true', min_id: '0' }),
});

/**
 * One outbox page, newest first, as Mastodon's OutboxesController pages by id: `next` goes below
 * the last item while pages come full, `prev` above the first while there is one.
 */
export function outboxPage(outbox: string, cursor: OutboxCursor, entries: readonly OutboxEntry[]): Json {
  const first = entries[0];
  const last = entries[entries.length - 1];
  return {
    '@context': NOTE_CONTEXT,
    id: pageUrl(outbox, { page: 'true', max_id: cursor.maxId, min_id: cursor.minId }),
    type: 'OrderedCollectionPage',
    ...(entries.length === OUTBOX_PAGE_SIZE && last
      ? { next: pageUrl(outbox, { page: 'true', max_id: last.statusId }) }
      : {}),
    ...(first ? { prev: pageUrl(outbox, { page: 'true', min_id: first.statusId }) } : {}),
    partOf: outbox,
    orderedItems: entries.map((entry) => entry.activity),
  };
}

/**
 * A followers or following collection: its size and its first page; only its size when the owner
 * hides its network (Mastodon then serves `id`, `type` and `totalItems` alone).
 */
export const networkCollection = (collection: string, total: number, hidden: boolean): Json => ({
  '@context': ACTIVITY_STREAMS,
  id: collection,
  type: 'OrderedCollection',
  totalItems: total,
  ...(hidden ? {} : { first: pageUrl(collection, { page: '1' }) }),
});

/** Page `page` (from 1) of a followers or following collection: actor ids, newest follow first. */
export function networkPage(collection: string, page: number, total: number, uris: readonly string[]): Json {
  return {
    '@context': ACTIVITY_STREAMS,
    id: pageUrl(collection, { page: String(page) }),
    type: 'OrderedCollectionPage',
    totalItems: total,
    ...(page * NETWORK_PAGE_SIZE < total ? { next: pageUrl(collection, { page: String(page + 1) }) } : {}),
    ...(page > 1 ? { prev: pageUrl(collection, { page: String(page - 1) }) } : {}),
    partOf: collection,
    orderedItems: uris,
  };
}

/**
 * The pinned statuses, not paged: each a Note, or its id alone when it is not for everyone to
 * read (a status that may not be distributed, as Mastodon's CollectionsController gives it).
 */
export const featuredCollection = (featured: string, items: readonly (Json | string)[]): Json => ({
  '@context': NOTE_CONTEXT,
  id: featured,
  type: 'OrderedCollection',
  totalItems: items.length,
  orderedItems: items,
});

/** The featured hashtags, each linking to the owner's statuses with it (`/@alice/tagged/tag`). */
export const featuredTagsCollection = (tags: string, profileUrl: string, names: readonly string[]): Json => ({
  '@context': NOTE_CONTEXT,
  id: tags,
  type: 'Collection',
  totalItems: names.length,
  items: names.map((name) => ({
    type: 'Hashtag',
    href: `${profileUrl}/tagged/${encodeURIComponent(name)}`,
    name: `#${name}`,
  })),
});

/**
 * `Add` or `Remove` of a pinned status to or from the actor's featured collection, as Mastodon's
 * AddSerializer and RemoveSerializer give them: no id, no addressing, the note by its id.
 */
export const featuredChangeOf = (
  type: 'Add' | 'Remove',
  actorUri: string,
  noteUri: string,
  featured: string,
): Json => ({
  '@context': ACTIVITY_STREAMS,
  type,
  actor: actorUri,
  object: noteUri,
  target: featured,
});
