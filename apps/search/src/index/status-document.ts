import type { StatusRecord } from '@mammut/contracts';
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
 * PostgreSQL's stemming configurations by language code, for the languages it ships one for; a
 * status in any other language (or none) is indexed with `simple` alone.
 */
export const STEMMING_CONFIGS: Readonly<Record<string, string>> = {
  ar: 'arabic',
  ca: 'catalan',
  da: 'danish',
  de: 'german',
  el: 'greek',
  en: 'english',
  es: 'spanish',
  eu: 'basque',
  fi: 'finnish',
  fr: 'french',
  ga: 'irish',
  hu: 'hungarian',
  hy: 'armenian',
  id: 'indonesian',
  it: 'italian',
  lt: 'lithuanian',
  nb: 'norwegian',
  nl: 'dutch',
  nn: 'norwegian',
  no: 'norwegian',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sv: 'swedish',
  tr: 'turkish',
};

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

/** The document of a status; none for a reblog, which has no text of its own. */
export function documentOf(status: StatusRecord): StatusDocument | null {
  if (status.reblogOfId !== null) return null;
  const properties = [
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
    text: filterableText(status),
    properties,
    tags: status.tags,
    mentions: status.mentions,
    mediaIds: status.mediaIds,
    createdAt: status.createdAt,
  };
}
