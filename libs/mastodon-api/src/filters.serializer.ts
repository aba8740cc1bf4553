import type {
  FilterAction,
  FilterContext,
  FilterKeywordRecord,
  FilterRecord,
  FilterStatusRecord,
} from '@mammut/contracts';
import type { FilterMatch } from './filters';

export interface MFilterKeyword {
  id: string;
  keyword: string;
  whole_word: boolean;
}

export interface MFilterStatus {
  id: string;
  status_id: string;
}

/** Mastodon's Filter (v2); its keywords and statuses are left out where it sits in a FilterResult. */
export interface MFilter {
  id: string;
  title: string;
  context: FilterContext[];
  expires_at: string | null;
  filter_action: FilterAction;
  keywords?: MFilterKeyword[];
  statuses?: MFilterStatus[];
}

export interface MFilterResult {
  filter: MFilter;
  keyword_matches: string[] | null;
  status_matches: string[] | null;
}

/** Mastodon's V1::Filter: one keyword with its filter's settings. */
export interface MV1Filter {
  id: string;
  phrase: string;
  context: FilterContext[];
  whole_word: boolean;
  expires_at: string | null;
  irreversible: boolean;
}

export function serializeFilterKeyword(keyword: FilterKeywordRecord): MFilterKeyword {
  return { id: keyword.id, keyword: keyword.keyword, whole_word: keyword.wholeWord };
}

export function serializeFilterStatus(status: FilterStatusRecord): MFilterStatus {
  return { id: status.id, status_id: status.statusId };
}

/** A filter with its rules, as the filter routes answer it; `withRules: false` as a FilterResult shows it. */
export function serializeFilter(filter: FilterRecord, options: { withRules?: boolean } = {}): MFilter {
  const serialized: MFilter = {
    id: filter.id,
    title: filter.title,
    context: filter.context,
    expires_at: filter.expiresAt,
    filter_action: filter.action,
  };
  if (options.withRules ?? true) {
    serialized.keywords = filter.keywords.map(serializeFilterKeyword);
    serialized.statuses = filter.statuses.map(serializeFilterStatus);
  }
  return serialized;
}

export function serializeFilterResult(match: FilterMatch): MFilterResult {
  return {
    filter: serializeFilter(match.filter, { withRules: false }),
    keyword_matches: match.keywordMatches,
    status_matches: match.statusMatches,
  };
}

export function serializeV1Filter(keyword: FilterKeywordRecord, filter: FilterRecord): MV1Filter {
  return {
    id: keyword.id,
    phrase: keyword.keyword,
    context: filter.context,
    whole_word: keyword.wholeWord,
    expires_at: filter.expiresAt,
    irreversible: filter.action === 'hide',
  };
}
