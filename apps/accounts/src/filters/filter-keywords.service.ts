import { Injectable } from '@nestjs/common';
import {
  type contracts,
  ContractError,
  FILTER_LIMITS,
  type FilterKeywordRecord,
  type FilterRecord,
  type RequestOf,
} from '@mammut/contracts';
import { Validation } from '../profiles/validation';
import { actionOfIrreversible, checkKeyword, fieldsChanged, fieldsOf, filterFields } from './filter-rules';
import { FiltersRepository, type Tx } from './filters.repository';

/** A keyword with its filter: what the keyword routes and the v1 API answer with. */
export interface KeywordOfFilter {
  keyword: FilterKeywordRecord;
  filter: FilterRecord;
}

async function keywordOf(
  filters: FiltersRepository,
  viewerId: string,
  keywordId: string,
  tx?: Tx,
): Promise<KeywordOfFilter> {
  const filterId = await filters.filterOfKeyword(viewerId, keywordId, tx);
  const filter = await filters.get(viewerId, filterId, tx);
  const keyword = filter.keywords.find((k) => k.id === keywordId);
  // Outside a transaction, a keyword deleted between the two reads is as good as not there.
  if (!keyword) throw new ContractError('not_found', 'Record not found');
  return { keyword, filter };
}

/** GET /api/v2/filters/keywords/:id and GET /api/v1/filters/:id. */
@Injectable()
export class FilterKeywordsQueries {
  constructor(private readonly filters: FiltersRepository) {}

  get(viewerId: string, keywordId: string): Promise<KeywordOfFilter> {
    return keywordOf(this.filters, viewerId, keywordId);
  }
}

/** POST /api/v2/filters/:filter_id/keywords. */
@Injectable()
export class AddFilterKeyword {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(request: RequestOf<typeof contracts.accounts.filters.addKeyword>): Promise<KeywordOfFilter> {
    const { viewerId, filterId } = request;
    return this.filters.change(viewerId, async (tx) => {
      await this.filters.lockAccount(tx, viewerId);
      const filter = await this.filters.get(viewerId, filterId, tx);
      const v = new Validation();
      checkKeyword(request.keyword, v);
      if (filter.keywords.length >= FILTER_LIMITS.keywordsPerFilter)
        v.add(
          'keyword',
          'ERR_TOO_MANY',
          `Keywords are too many (maximum is ${FILTER_LIMITS.keywordsPerFilter})`,
        );
      v.throwIfInvalid();
      const id = await this.filters.insertKeyword(tx, filterId, request.keyword, request.wholeWord ?? true);
      return keywordOf(this.filters, viewerId, id, tx);
    });
  }
}

/** PUT /api/v2/filters/keywords/:id. */
@Injectable()
export class UpdateFilterKeyword {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(
    request: RequestOf<typeof contracts.accounts.filters.updateKeyword>,
  ): Promise<KeywordOfFilter> {
    const { viewerId, keywordId } = request;
    return this.filters.change(viewerId, async (tx) => {
      const { keyword } = await keywordOf(this.filters, viewerId, keywordId, tx);
      const text = request.keyword ?? keyword.keyword;
      const v = new Validation();
      checkKeyword(text, v);
      v.throwIfInvalid();
      await this.filters.updateKeyword(tx, keywordId, text, request.wholeWord ?? keyword.wholeWord);
      return keywordOf(this.filters, viewerId, keywordId, tx);
    });
  }
}

/** DELETE /api/v2/filters/keywords/:id and DELETE /api/v1/filters/:id: the keyword only, as Mastodon. */
@Injectable()
export class DeleteFilterKeyword {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(viewerId: string, keywordId: string): Promise<Record<string, never>> {
    await this.filters.change(viewerId, async (tx) => {
      await this.filters.filterOfKeyword(viewerId, keywordId, tx);
      await this.filters.deleteKeyword(tx, keywordId);
    });
    return {};
  }
}

/** POST /api/v1/filters: a filter titled with the phrase, holding that one keyword. */
@Injectable()
export class CreateLegacyFilter {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(
    request: RequestOf<typeof contracts.accounts.filters.createV1Filter>,
  ): Promise<KeywordOfFilter> {
    const { viewerId } = request;
    return this.filters.change(viewerId, async (tx) => {
      await this.filters.lockAccount(tx, viewerId);
      const v = new Validation();
      const fields = filterFields(
        {
          title: request.phrase,
          context: request.context,
          action: actionOfIrreversible(request.irreversible),
          expiresIn: request.expiresIn,
        },
        undefined,
        v,
      );
      checkKeyword(request.phrase, v);
      if ((await this.filters.countFilters(tx, viewerId)) >= FILTER_LIMITS.filtersPerAccount)
        v.add('base', 'ERR_TOO_MANY', `You cannot have more than ${FILTER_LIMITS.filtersPerAccount} filters`);
      v.throwIfInvalid();
      const filterId = await this.filters.insertFilter(tx, viewerId, fields);
      const id = await this.filters.insertKeyword(tx, filterId, request.phrase, request.wholeWord ?? true);
      return keywordOf(this.filters, viewerId, id, tx);
    });
  }
}

/**
 * PUT /api/v1/filters/:id: the keyword's phrase and whole_word, and the filter's title, context,
 * action and expiry. A filter other keywords share may have its keyword changed, but not itself.
 */
@Injectable()
export class UpdateLegacyFilter {
  constructor(private readonly filters: FiltersRepository) {}

  async execute(
    request: RequestOf<typeof contracts.accounts.filters.updateV1Filter>,
  ): Promise<KeywordOfFilter> {
    const { viewerId, keywordId } = request;
    return this.filters.change(viewerId, async (tx) => {
      await this.filters.lockAccount(tx, viewerId);
      const { keyword, filter } = await keywordOf(this.filters, viewerId, keywordId, tx);
      const v = new Validation();
      const text = request.phrase ?? keyword.keyword;
      checkKeyword(text, v);
      const before = fieldsOf(filter);
      const after = filterFields(
        {
          title: request.phrase,
          context: request.context,
          action: actionOfIrreversible(request.irreversible),
          expiresIn: request.expiresIn,
        },
        before,
        v,
      );
      v.throwIfInvalid();
      const changesFilter = fieldsChanged(before, after);
      if (changesFilter && filter.keywords.length > 1) {
        v.add(
          'base',
          'ERR_INVALID',
          'These parameters cannot be changed from this application because they apply to more than one filter keyword. Use a more recent application or the web interface.',
        );
        v.throwIfInvalid();
      }
      await this.filters.updateKeyword(tx, keywordId, text, request.wholeWord ?? keyword.wholeWord);
      if (changesFilter) await this.filters.updateFilter(tx, filter.id, after);
      return keywordOf(this.filters, viewerId, keywordId, tx);
    });
  }
}
