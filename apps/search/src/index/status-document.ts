import type { MediaAttachmentRecord, StatusRecord } from '@mammut/contracts';
import { filterableText } from '@mammut/mastodon-api';
import { languageOf } from '../query/search-query';

/** One status as the index holds it, whatever the backend. */
export interface StatusDocument {
  readonly id: string;
  readonly accountId: string;
  readonly visibility: StatusRecord['visibility'];
  /** The base language code (`en` of `en-GB`), null when unknown. */
  readonly language: string | null;
  /** Mastodon's `searchable_text`: the content warning, then the text without HTML. */
  readonly text: string;
  /** What `has:` and `is:` match (Mastodon's StatusesIndex `properties`). */
  readonly properties: readonly string[];
  readonly tags: readonly string[];
  readonly mentions: readonly string[];
  /** The status's attachments (`has:media` is the `media` property they give it). */
  readonly mediaIds: readonly string[];
  readonly createdAt: string;
}

/**
 * The stemmer of each language code both backends know by the same name: Elasticsearch's and
 * OpenSearch's built-in language analyzers, and (for those in POSTGRESQL_CONFIGS) PostgreSQL's
 * text search configurations.
 */
export const LANGUAGE_STEMMERS: Readonly<Record<string, string>> = {
  ar: 'arabic',
  bg: 'bulgarian',
  bn: 'bengali',
  ca: 'catalan',
  ckb: 'sorani',
  cs: 'czech',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  et: 'estonian',
  eu: 'basque',
  fa: 'persian',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  gl: 'galician',
  hi: 'hindi',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  ja: 'cjk',
  ko: 'cjk',
  lt: 'lithuanian',
  lv: 'latvian',
  nb: 'norwegian',
  nl: 'dutch',
  nn: 'norwegian',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sv: 'swedish',
  th: 'thai',
  tr: 'turkish',
  zh: 'cjk',
};

/** The stemmers PostgreSQL ships a text search configuration for (and the index uses). */
const POSTGRESQL_CONFIGS = new Set([
  'arabic',
  'armenian',
  'basque',
  'catalan',
  'danish',
  'dutch',
  'english',
  'finnish',
  'french',
  'german',
  'greek',
  'hungarian',
  'indonesian',
  'irish',
  'italian',
  'lithuanian',
  'norwegian',
  'portuguese',
  'romanian',
  'russian',
  'spanish',
  'swedish',
  'turkish',
]);

/**
 * PostgreSQL's stemming configurations by language code, for the languages it ships one for; a
 * status in any other language (or none) is indexed with `simple` alone.
 */
export const STEMMING_CONFIGS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(LANGUAGE_STEMMERS).filter(([, stemmer]) => POSTGRESQL_CONFIGS.has(stemmer)),
);

/** The stemming configuration of a language code; null for `simple` alone. */
export function stemmingConfigOf(language: string | null): string | null {
  return language === null ? null : (STEMMING_CONFIGS[language] ?? null);
}

/** A link in the content other than a mention or a hashtag (Mastodon's `link` property). */
function hasLink(content: string): boolean {
  for (const anchor of content.match(/<a\b[^>]*>/gi) ?? [])
    if (!/class="[^"]*\b(mention|hashtag)\b/i.test(anchor)) return true;
  return false;
}

/** What of a status's attachments the index holds: their kinds and their alt texts. */
export type IndexedMedia = Pick<MediaAttachmentRecord, 'type' | 'description'>;

/** The kinds `has:` finds by name, as Mastodon's (an animated GIF is none of them). */
const MEDIA_PROPERTIES: ReadonlySet<string> = new Set(['image', 'video', 'audio']);

/**
 * The document of a status, its poll's options and its attachments; none for a reblog, which has
 * no text of its own. As Mastodon's `searchable_text`: the text, the options, then the alt texts.
 */
export function documentOf(
  status: StatusRecord,
  media: readonly IndexedMedia[],
  pollOptions: readonly string[] = [],
): StatusDocument | null {
  if (status.reblogOfId !== null) return null;
  const altTexts = media.flatMap((attachment) => attachment.description ?? []);
  const properties = [
    ...new Set(media.map((attachment) => attachment.type).filter((type) => MEDIA_PROPERTIES.has(type))),
    status.inReplyToId !== null && 'reply',
    status.sensitive && 'sensitive',
    status.pollId !== null && 'poll',
    status.mediaIds.length > 0 && 'media',
    hasLink(status.content) && 'link',
  ].filter((p): p is string => p !== false);
  return {
    id: status.id,
    accountId: status.accountId,
    visibility: status.visibility,
    language: status.language === null ? null : languageOf(status.language),
    text: [filterableText(status), ...pollOptions, ...altTexts].join('\n\n'),
    properties,
    tags: status.tags,
    mentions: status.mentions,
    mediaIds: status.mediaIds,
    createdAt: status.createdAt,
  };
}
