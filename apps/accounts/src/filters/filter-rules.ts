import {
  FILTER_LIMITS,
  filterAction,
  type FilterAction,
  filterContext,
  type FilterContext,
  type FilterRecord,
} from '@mammut/contracts';
import { Validation } from '../profiles/validation';
import type { FilterFields } from './filters.repository';

/** What a request asks to change on a filter's own columns; absent fields keep what it has. */
export interface FilterInput {
  title?: string;
  context?: string[];
  action?: string;
  expiresIn?: number | null;
}

const isBlank = (value: string | undefined): boolean => value === undefined || value.trim() === '';

/** Contexts as Mastodon keeps them: trimmed, blanks dropped (and here, repeats too). */
export function normalizeContext(context: readonly string[]): string[] {
  return [...new Set(context.map((c) => c.trim()).filter(Boolean))];
}

/**
 * The filter's columns after applying `input` over `current` (defaults for a new one), with
 * Mastodon's validations collected in `v`: a title, a non-empty context of known places, a known
 * action, and an expiry from now within the limit.
 */
export function filterFields(
  input: FilterInput,
  current: FilterFields | undefined,
  v: Validation,
  now: Date = new Date(),
): FilterFields {
  const title = input.title ?? current?.title ?? '';
  if (isBlank(title)) v.add('title', 'ERR_BLANK', "Title can't be blank");
  v.maxLength('title', 'Title', title, FILTER_LIMITS.title);
  v.noNul('title', 'Title', title);

  const context = input.context ? normalizeContext(input.context) : (current?.context ?? []);
  const contexts = context.filter((c): c is FilterContext => filterContext.safeParse(c).success);
  if (context.length === 0 || contexts.length !== context.length)
    v.add('context', 'ERR_INVALID', 'Context None or invalid context supplied');

  // Clients send an empty action for the default, as Rails ignores it then.
  const requested = input.action?.trim() ? input.action.trim() : undefined;
  const action = requested ?? current?.action ?? 'warn';
  const parsedAction = filterAction.safeParse(action);
  if (!parsedAction.success)
    v.add('filter_action', 'ERR_INCLUSION', 'Filter action is not included in the list');

  let expiresAt = current?.expiresAt ?? null;
  if (input.expiresIn !== undefined) {
    const seconds = input.expiresIn;
    if (seconds !== null && (seconds < 0 || seconds > FILTER_LIMITS.expiresIn)) {
      v.add(
        'expires_in',
        'ERR_INVALID',
        `Expires in must be between 0 and ${FILTER_LIMITS.expiresIn} seconds`,
      );
    }
    expiresAt = seconds === null ? null : new Date(now.getTime() + seconds * 1000);
  }
  return {
    title,
    context: contexts,
    action: parsedAction.success ? parsedAction.data : 'warn',
    expiresAt,
  };
}

/** A stored filter's columns, to apply a change over. */
export function fieldsOf(filter: FilterRecord): FilterFields {
  return {
    title: filter.title,
    context: filter.context,
    action: filter.action,
    expiresAt: filter.expiresAt ? new Date(filter.expiresAt) : null,
  };
}

/** Whether a change touches the filter's columns (the v1 API refuses that for shared filters). */
export function fieldsChanged(before: FilterFields, after: FilterFields): boolean {
  return (
    before.title !== after.title ||
    before.action !== after.action ||
    before.context.join(',') !== after.context.join(',') ||
    before.expiresAt?.getTime() !== after.expiresAt?.getTime()
  );
}

/** A keyword as Mastodon validates it; `label` names it as Rails does for nested attributes. */
export function checkKeyword(keyword: string, v: Validation, label = 'Keyword'): void {
  if (isBlank(keyword)) v.add('keyword', 'ERR_BLANK', `${label} can't be blank`);
  v.maxLength('keyword', label, keyword, FILTER_LIMITS.keyword);
  v.noNul('keyword', label, keyword);
}

/** The `irreversible` of the v1 API is the hide action; false is back to warn. */
export function actionOfIrreversible(irreversible: boolean | undefined): FilterAction | undefined {
  if (irreversible === undefined) return undefined;
  return irreversible ? 'hide' : 'warn';
}
