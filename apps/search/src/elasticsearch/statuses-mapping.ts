import type { Client, estypes } from '@elastic/elasticsearch';
import { LANGUAGE_STEMMERS } from '../index/status-document';

/**
 * A status in one of the languages Elasticsearch and OpenSearch ship an analyzer for (analysis-common:
 * stop words and a stemmer each; `LANGUAGE_STEMMERS` names them) has its text indexed twice: as
 * written (`text`, the `verbatim` analyzer: standard tokenizer, lowercase, as PostgreSQL's
 * `simple`) and through its language's analyzer (`text_<analyzer>`); any other language, or none,
 * has `text` alone. No ICU or other plugin is needed.
 */
export const LANGUAGE_ANALYZERS = LANGUAGE_STEMMERS;

/** Every language field once (`text_english`, …): a term matches a status in any of them. */
export const LANGUAGE_FIELDS = [...new Set(Object.values(LANGUAGE_ANALYZERS))].map(
  (analyzer) => `text_${analyzer}`,
);

/** The field a status's text is stemmed into, by its language code; null for `text` alone. */
export function languageFieldOf(language: string | null): string | null {
  const analyzer = language === null ? undefined : LANGUAGE_ANALYZERS[language];
  return analyzer === undefined ? null : `text_${analyzer}`;
}

/** Past this, a keyword is not indexed (Lucene refuses terms over 32 KB; nobody searches those). */
const keyword = { type: 'keyword', ignore_above: 256 } as const;

/** A statuses index: settings and mapping, the same for the live one and for each `search deploy`. */
export const STATUSES_INDEX_BODY: {
  settings: estypes.IndicesIndexSettings;
  mappings: estypes.MappingTypeMapping;
} = {
  settings: {
    // Segments kept newest first: a search sorted the same way (all are) stops at its page.
    sort: { field: 'id', order: 'desc' },
    analysis: {
      analyzer: { verbatim: { type: 'custom', tokenizer: 'standard', filter: ['lowercase'] } },
    },
  },
  mappings: {
    // A field nobody declared is a bug here, not something to guess a type for.
    dynamic: 'strict',
    date_detection: false,
    properties: {
      id: { type: 'long' },
      account_id: keyword,
      visibility: keyword,
      language: keyword,
      text: { type: 'text', analyzer: 'verbatim' },
      ...Object.fromEntries(
        LANGUAGE_FIELDS.map((field) => [field, { type: 'text', analyzer: field.slice('text_'.length) }]),
      ),
      properties: keyword,
      tags: keyword,
      mentions: keyword,
      media_ids: keyword,
      /** Who besides everyone may find it: the author, the mentioned, its searchers (Mastodon's). */
      searchable_by: keyword,
      /** Everyone signed in may find it: public, and its author indexable (Mastodon's public index). */
      indexable: { type: 'boolean' },
      /** Its author is suspended or deleted: nobody finds it. */
      hidden: { type: 'boolean' },
      created_at: { type: 'date' },
    },
  },
};

/** The alias every search and write goes through: `<prefix>statuses`. */
export const statusesAlias = (prefix: string): string => `${prefix}statuses`;

/** A new concrete index behind the alias: `<prefix>statuses_<timestamp>`, ordered by creation. */
export const newStatusesIndexName = (prefix: string): string =>
  `${prefix}statuses_${new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 17)}`;

/** The concrete indices the alias points at now (none before the first start). */
export async function aliasTargets(client: Client, alias: string): Promise<string[]> {
  const exists = await client.indices.existsAlias({ name: alias });
  if (!exists) return [];
  return Object.keys(await client.indices.getAlias({ name: alias }));
}

/**
 * Creates the first statuses index and its alias when there is no alias yet; nothing otherwise.
 * A process that finds the alias made meanwhile by another deletes its own index; should two first
 * starts still both add theirs, writes fail until `search deploy` puts the alias on one index.
 */
export async function ensureStatusesIndex(client: Client, prefix: string): Promise<void> {
  const alias = statusesAlias(prefix);
  if ((await aliasTargets(client, alias)).length) return;
  const index = newStatusesIndexName(prefix);
  await client.indices.create({ index, ...STATUSES_INDEX_BODY });
  if ((await aliasTargets(client, alias)).length) {
    await client.indices.delete({ index });
    return;
  }
  await client.indices.updateAliases({ actions: [{ add: { index, alias } }] });
}
