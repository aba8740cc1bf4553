import type { FilterContext, FilterRecord, StatusRecord } from '@mammut/contracts';

/** Which of a viewer's filters match one status, and on what. */
export interface FilterMatch {
  readonly filter: FilterRecord;
  /** The text that matched (the first match, as Mastodon reports it); null when only a status rule did. */
  readonly keywordMatches: string[] | null;
  /** The status ids of the filter's status rules that name this status; null when none did. */
  readonly statusMatches: string[] | null;
}

/** What matching reads of a status. */
export type FilterableStatus = Pick<StatusRecord, 'id' | 'local' | 'text' | 'content' | 'spoilerText'>;

/** A word character as Ruby's `[[:word:]]` (letters, marks, decimal digits, connectors), in any script. */
const WORD = '[\\p{L}\\p{M}\\p{Nd}\\p{Pc}]';
const STARTS_WITH_WORD = new RegExp(`^${WORD}`, 'u');
const ENDS_WITH_WORD = new RegExp(`${WORD}$`, 'u');

/** Escapes what a `u` regular expression reads as syntax; nothing else may be escaped there. */
const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

/**
 * One keyword as a pattern, as Mastodon builds it: case-insensitive, and for a whole-word keyword
 * a word boundary on each side that begins or ends with a word character (so `#tag` or `c++`
 * still match next to letters on their non-word side). Boundaries are Unicode-aware here, where
 * JavaScript's `\b` only knows ASCII.
 */
export function keywordPattern(keyword: string, wholeWord: boolean): string {
  const body = escapeRegExp(keyword);
  if (!wholeWord) return body;
  const start = STARTS_WITH_WORD.test(keyword) ? `(?<!${WORD})` : '';
  const end = ENDS_WITH_WORD.test(keyword) ? `(?!${WORD})` : '';
  return `${start}${body}${end}`;
}

/** All of a filter's keywords as one expression (Mastodon's `Regexp.union`); null without keywords. */
export function keywordsExpression(keywords: FilterRecord['keywords']): RegExp | null {
  if (!keywords.length) return null;
  return new RegExp(keywords.map((k) => `(?:${keywordPattern(k.keyword, k.wholeWord)})`).join('|'), 'iu');
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? entity;
  });
}

/**
 * Status HTML as text: line breaks and paragraph breaks kept as newlines, tags dropped, entities
 * decoded. Content reaching here is sanitized (p, br, span, a), so tags carry no text of their own.
 */
export function htmlToPlainText(html: string): string {
  return decodeEntities(
    html
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
      .replace(/<[^>]*>/g, ''),
  );
}

/**
 * What filters are matched against, as Mastodon's `searchable_text`: the content warning, then the
 * text (a local status's own source, a remote one's HTML as text); media descriptions and poll
 * options join it when statuses carry them.
 */
export function filterableText(status: FilterableStatus): string {
  const text = status.local && status.text ? status.text : htmlToPlainText(status.content);
  return [status.spoilerText, text].filter(Boolean).join('\n\n');
}

/** Whether a filter applies at `now` (one without an expiry always does). */
export function filterActive(filter: Pick<FilterRecord, 'expiresAt'>, now: Date): boolean {
  return filter.expiresAt === null || Date.parse(filter.expiresAt) > now.getTime();
}

/** A viewer's filters compiled once, to be matched against each status of a page. */
export interface CompiledFilters {
  match(status: FilterableStatus): FilterMatch[];
}

/**
 * Compiles the active filters of a viewer. Matching a status gives one result per filter that a
 * keyword or a status rule of it matches, whatever its context: Mastodon answers them all and
 * clients pick those of the place they show the status in.
 */
export function compileFilters(filters: readonly FilterRecord[], now: Date = new Date()): CompiledFilters {
  const compiled = filters
    .filter((filter) => filterActive(filter, now))
    .map((filter) => ({
      filter,
      keywords: keywordsExpression(filter.keywords),
      statusIds: new Set(filter.statuses.map((s) => s.statusId)),
    }));
  return {
    match(status) {
      if (!compiled.length) return [];
      let text: string | undefined;
      const matches: FilterMatch[] = [];
      for (const { filter, keywords, statusIds } of compiled) {
        const found = keywords ? keywords.exec((text ??= filterableText(status))) : null;
        const statusMatches = statusIds.has(status.id) ? [status.id] : null;
        if (!found && !statusMatches) continue;
        matches.push({ filter, keywordMatches: found ? [found[0]] : null, statusMatches });
      }
      return matches;
    },
  };
}

/** Whether matches hide the status where it is shown (`hide` filters of that context). */
export function hiddenBy(matches: readonly FilterMatch[], context: FilterContext): boolean {
  return matches.some((m) => m.filter.action === 'hide' && m.filter.context.includes(context));
}
