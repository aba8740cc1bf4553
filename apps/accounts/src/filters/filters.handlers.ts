import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import {
  AddFilterKeyword,
  CreateLegacyFilter,
  DeleteFilterKeyword,
  FilterKeywordsQueries,
  UpdateFilterKeyword,
  UpdateLegacyFilter,
} from './filter-keywords.service';
import { AddFilterStatus, DeleteFilterStatus } from './filter-statuses.service';
import { FiltersRepository } from './filters.repository';
import { CreateFilter, DeleteFilter, UpdateFilter } from './manage-filters.service';

/**
 * `accounts.filters.*` on the bus, one line per request. Like the relationships adapter, its
 * constructor lists every use case of the namespace on purpose.
 */
@Injectable()
export class FiltersHandlers {
  constructor(
    private readonly filters: FiltersRepository,
    private readonly keywords: FilterKeywordsQueries,
    private readonly createFilter: CreateFilter,
    private readonly updateFilter: UpdateFilter,
    private readonly deleteFilter: DeleteFilter,
    private readonly addKeyword: AddFilterKeyword,
    private readonly updateKeyword: UpdateFilterKeyword,
    private readonly deleteKeyword: DeleteFilterKeyword,
    private readonly addStatus: AddFilterStatus,
    private readonly deleteStatus: DeleteFilterStatus,
    private readonly createLegacy: CreateLegacyFilter,
    private readonly updateLegacy: UpdateLegacyFilter,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.filters, {
    listFilters: async ({ viewerId }) => ({ filters: await this.filters.list(viewerId, false) }),
    listActiveFilters: async ({ viewerId }) => ({ filters: await this.filters.active(viewerId) }),
    getFilter: ({ viewerId, filterId }) => this.filters.get(viewerId, filterId),
    createFilter: (request) => this.createFilter.execute(request),
    updateFilter: (request) => this.updateFilter.execute(request),
    deleteFilter: ({ viewerId, filterId }) => this.deleteFilter.execute(viewerId, filterId),
    listKeywords: async ({ viewerId, filterId }) => ({
      keywords: (await this.filters.get(viewerId, filterId)).keywords,
    }),
    getKeyword: ({ viewerId, keywordId }) => this.keywords.get(viewerId, keywordId),
    addKeyword: (request) => this.addKeyword.execute(request),
    updateKeyword: (request) => this.updateKeyword.execute(request),
    deleteKeyword: ({ viewerId, keywordId }) => this.deleteKeyword.execute(viewerId, keywordId),
    listFilterStatuses: async ({ viewerId, filterId }) => ({
      statuses: (await this.filters.get(viewerId, filterId)).statuses,
    }),
    getFilterStatus: async ({ viewerId, filterStatusId }) => {
      const { id, statusId } = await this.filters.filterStatus(viewerId, filterStatusId);
      return { id, statusId };
    },
    addFilterStatus: ({ viewerId, filterId, statusId }) =>
      this.addStatus.execute(viewerId, filterId, statusId),
    deleteFilterStatus: ({ viewerId, filterStatusId }) => this.deleteStatus.execute(viewerId, filterStatusId),
    createV1Filter: (request) => this.createLegacy.execute(request),
    updateV1Filter: (request) => this.updateLegacy.execute(request),
  });
}
