/**
 * Mastodon's status search syntax (SearchQueryParser and SearchQueryTransformer), parsed into
 * plain clauses a backend turns into its own query. A query is a list of clauses separated by
 * white space, each `[+|-][prefix:](term | "phrase")`. Prefixes Mastodon knows (`from`, `has`,
 * `is`, `language`, `before`, `after`, `during`, `in`) become filters; any other `word:` is text.
 * Nothing here throws: what cannot be read (an unclosed quote, a date that is no date, an empty
 * operator) is dropped, as Mastodon drops its parser's junk, so a bad query never fails.
 */

/** Words to match: a term (all its words), a quoted phrase (in order), or a hashtag. */
export type TextClause =
  | { readonly kind: 'term'; readonly text: string }
  | { readonly kind: 'phrase'; readonly text: string }
  | { readonly kind: 'tag'; readonly name: string };

/** A filter on the status's columns; `negated` for `-prefix:`. */
export type FilterClause =
  | { readonly kind: 'from'; readonly negated: boolean; readonly account: FromAccount }
  /** `has:` and `is:` alike: a property of the status (reply, sensitive, media, poll, link …). */
  | { readonly kind: 'property'; readonly negated: boolean; readonly property: string }
  | { readonly kind: 'language'; readonly negated: boolean; readonly language: string }
  /** Created within [from, to) (either end open), from `before:`, `after:` and `during:`. */
  | { readonly kind: 'created'; readonly negated: boolean; readonly from?: Date; readonly to?: Date };

/** Whom `from:` names: the viewer (`me`), or a handle (`user`, `user@domain`). */
export type FromAccount =
  | { readonly me: true }
  | { readonly me: false; readonly username: string; readonly domain: string | null };

export interface ParsedQuery {
  readonly must: readonly TextClause[];
  readonly mustNot: readonly TextClause[];
  readonly filters: readonly FilterClause[];
  /** `in:library`: only statuses the viewer wrote or interacted with, never other public ones. */
  readonly library: boolean;
}

const PREFIXES = new Set(['has', 'is', 'language', 'from', 'before', 'after', 'during', 'in']);
const DAY_MS = 86_400_000;
/** A clause: an optional sign, an optional `word:` prefix, then a quoted phrase or a term. */
const CLAUSE = /^([+-]?)(?:([A-Za-z_]+):)?(?:"([^"]+)"|([^\s"]+))/;

/** The words a text clause matches: letters, digits and underscores, as Mastodon tokenizes. */
export function wordsOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}_]+/gu) ?? [];
}

export function parseSearchQuery(input: string): ParsedQuery {
  const must: TextClause[] = [];
  const mustNot: TextClause[] = [];
  const filters: FilterClause[] = [];
  let library = false;
  let rest = input;
  while ((rest = rest.replace(/^\s+/, '')).length) {
    const match = CLAUSE.exec(rest);
    if (!match) {
      // Junk (a stray quote, a lone sign): skipped one character at a time.
      rest = rest.slice(1);
      continue;
    }
    rest = rest.slice(match[0].length);
    const [, sign, rawPrefix, phrase, term] = match;
    const negated = sign === '-';
    const prefix = rawPrefix?.toLowerCase();
    const value = phrase ?? term ?? '';
    if (prefix !== undefined && PREFIXES.has(prefix)) {
      if (prefix === 'in') {
        if (!negated && value.toLowerCase() === 'library') library = true;
        continue;
      }
      const filter = filterOf(prefix, value, negated);
      if (filter) filters.push(filter);
      continue;
    }
    const text = rawPrefix !== undefined ? `${rawPrefix} ${value}` : value;
    const clause: TextClause | null =
      phrase !== undefined
        ? textClause('phrase', text)
        : rawPrefix === undefined && /^#[^\s#]+$/.test(value)
          ? tagClause(value.slice(1))
          : textClause('term', text);
    if (clause) (negated ? mustNot : must).push(clause);
  }
  return { must, mustNot, filters, library };
}

function textClause(kind: 'term' | 'phrase', text: string): TextClause | null {
  return wordsOf(text).length ? { kind, text } : null;
}

function tagClause(name: string): TextClause | null {
  const normalized = name.toLowerCase();
  return /^[\p{L}\p{N}_]+$/u.test(normalized) ? { kind: 'tag', name: normalized } : null;
}

function filterOf(prefix: string, value: string, negated: boolean): FilterClause | null {
  switch (prefix) {
    case 'has':
    case 'is': {
      const property = value.toLowerCase();
      return /^[a-z_]{1,30}$/.test(property) ? { kind: 'property', negated, property } : null;
    }
    case 'language': {
      const language = languageOf(value);
      return language ? { kind: 'language', negated, language } : null;
    }
    case 'from': {
      const account = fromAccountOf(value);
      return account ? { kind: 'from', negated, account } : null;
    }
    case 'before':
    case 'after':
    case 'during': {
      const day = dateOf(value);
      if (!day) return null;
      const next = new Date(day.getTime() + DAY_MS);
      if (prefix === 'before') return { kind: 'created', negated, to: day };
      // `after:` a day is after the whole day, as Elasticsearch rounds a day's `gt` up.
      if (prefix === 'after') return { kind: 'created', negated, from: next };
      return { kind: 'created', negated, from: day, to: next };
    }
    default:
      return null;
  }
}

/** `en`, `EN`, `en-GB`, `pt_BR` → `en`, `en`, `en`, `pt`: the language, as statuses are indexed. */
export function languageOf(value: string): string | null {
  const base = value.toLowerCase().split(/[-_]/)[0] ?? '';
  return /^[a-z]{2,3}$/.test(base) ? base : null;
}

function fromAccountOf(value: string): FromAccount | null {
  if (value.toLowerCase() === 'me') return { me: true };
  const parts = value.replace(/^@/, '').split('@');
  const [username, domain, extra] = parts;
  if (extra !== undefined || !username || !/^[\w.-]{1,100}$/.test(username)) return null;
  if (domain !== undefined && !/^[\p{L}\p{N}.-]{1,253}(:\d{1,5})?$/u.test(domain)) return null;
  return { me: false, username: username.toLowerCase(), domain: domain ? domain.toLowerCase() : null };
}

/** A calendar day (`2024-05-01`, UTC midnight); anything else (`yesterday`, `2024-13-45`) is none. */
export function dateOf(value: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  const real =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return real ? date : null;
}
