import { Injectable } from '@nestjs/common';
import {
  ContractError,
  FILTER_LIMITS,
  type FilterRecord,
  type RequestOf,
  type contracts,
} from '@mammut/contracts';
import { Validation } from '../profiles/validation';
import { checkKeyword, fieldsOf, filterFields } from './filter-rules';
import { FiltersRepository, type Tx } from './filters.repository';

type KeywordChange = RequestOf<typeof contracts.accounts.filters.createFilter>['keywords'][number];

/** What `keywords_attributes` asks for, checked against the filter's keywords before anything is written. */
interface KeywordPlan {
  inserts: { keyword: string; wholeWord: boolean }[];
  updates: { id: string; keyword: string; wholeWord: boolean }[];
  deletes: string[];
}

/**
 * Reads Rails' nested attributes as Mastodon's filter accepts them: an entry without an id and
 * without a keyword is skipped (`reject_if: :all_blank`), one without an id marked `_destroy` is
 * nothing, an id that is not one of this filter's keywords is `not_found`.
 */
function planKeywords(
  existing: FilterRecord['keywords'],
  changes: readonly KeywordChange[],
  v: Validation,
): KeywordPlan {
  const plan: KeywordPlan = { inserts: [], updates: [], deletes: [] };
  const byId = new Map(existing.map((k) => [k.id, k]));
  for (const change of changes) {
    if (change.id === undefined) {
      const blank = (change.keyword ?? '').trim() === '';
      if (change.destroy || (blank && change.wholeWord !== true)) continue;
      const keyword = change.keyword ?? '';
      checkKeyword(keyword, v, 'Keywords keyword');
      plan.inserts.push({ keyword, wholeWord: change.wholeWord ?? true });
      continue;
    }
    const current = byId.get(change.id);
    if (!current) throw new ContractError('not_found', 'Record not found');
    if (change.destroy) {
      plan.deletes.push(current.id);
      continue;
    }
    const keyword = change.keyword ?? current.keyword;
    checkKeyword(keyword, v, 'Keywords keyword');
    plan.updates.push({ id: current.id, keyword, wholeWord: change.wholeWord ?? current.wholeWord });
  }
  const count = existing.length + plan.inserts.length - new Set(plan.deletes).size;
  if (count > FILTER_LIMITS.keywordsPerFilter)
    v.add(
      'keywords',
      'ERR_TOO_MANY',
      `Keywords are too many (maximum is ${FILTER_LIMITS.keywordsPerFilter})`,
    );
  return plan;
}

async function applyKeywords(
  repository: FiltersRepository,
  tx: Tx,
  filterId: string,
  plan: KeywordPlan,
): Promise<void> {
  for (const id of plan.deletes) await repository.deleteKeyword(tx, id);
  for (const u of plan.updates) await repository.updateKeyword(tx, u.id, u.keyword, u.wholeWord);
  for (const k of plan.inserts) await repository.insertKeyword(tx, filterId, k.keyword, k.wholeWord);
}

/** POST /api/v2/filters: a filter with its first keywords, in one transaction. */
@Injectable()
export class CreateFilter {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(request: RequestOf<typeof contracts.accounts.filters.createFilter>): Promise<FilterRecord> {
    const { viewerId } = request;
    // Keywords with an id name rows of a filter that does not exist yet.
    if (request.keywords.some((k) => k.id !== undefined && !k.destroy))
      throw new ContractError('not_found', 'Record not found');
    return this.filters.change(viewerId, async (tx) => {
      await this.filters.lockAccount(tx, viewerId);
      const v = new Validation();
      const fields = filterFields(request, undefined, v);
      const plan = planKeywords([], request.keywords, v);
      if ((await this.filters.countFilters(tx, viewerId)) >= FILTER_LIMITS.filtersPerAccount)
        v.add('base', 'ERR_TOO_MANY', `You cannot have more than ${FILTER_LIMITS.filtersPerAccount} filters`);
      v.throwIfInvalid();
      const filterId = await this.filters.insertFilter(tx, viewerId, fields);
      await applyKeywords(this.filters, tx, filterId, plan);
      return this.filters.get(viewerId, filterId, tx);
    });
  }
}

/** PUT /api/v2/filters/:id: the fields given, and the keywords `keywords_attributes` adds, changes or removes. */
@Injectable()
export class UpdateFilter {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(request: RequestOf<typeof contracts.accounts.filters.updateFilter>): Promise<FilterRecord> {
    const { viewerId, filterId } = request;
    return this.filters.change(viewerId, async (tx) => {
      await this.filters.lockAccount(tx, viewerId);
      const filter = await this.filters.get(viewerId, filterId, tx);
      const v = new Validation();
      const fields = filterFields(request, fieldsOf(filter), v);
      const plan = planKeywords(filter.keywords, request.keywords, v);
      v.throwIfInvalid();
      await this.filters.updateFilter(tx, filterId, fields);
      await applyKeywords(this.filters, tx, filterId, plan);
      return this.filters.get(viewerId, filterId, tx);
    });
  }
}

/** DELETE /api/v2/filters/:id: with its keywords and statuses. */
@Injectable()
export class DeleteFilter {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(viewerId: string, filterId: string): Promise<Record<string, never>> {
    await this.filters.change(viewerId, async (tx) => {
      await this.filters.get(viewerId, filterId, tx);
      await this.filters.deleteFilter(tx, filterId);
    });
    return {};
  }
}
