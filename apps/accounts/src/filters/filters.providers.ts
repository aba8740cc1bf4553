import type { Provider } from '@nestjs/common';
import {
  AddFilterKeyword,
  CreateLegacyFilter,
  DeleteFilterKeyword,
  FilterKeywordsQueries,
  UpdateFilterKeyword,
  UpdateLegacyFilter,
} from './filter-keywords.service';
import { AddFilterStatus, DeleteFilterStatus } from './filter-statuses.service';
import { FiltersHandlers } from './filters.handlers';
import { FiltersRepository } from './filters.repository';
import { CreateFilter, DeleteFilter, UpdateFilter } from './manage-filters.service';

/** The filters feature's providers, so the module file gains one line. */
export const filtersProviders: Provider[] = [
  FiltersRepository,
  FilterKeywordsQueries,
  CreateFilter,
  UpdateFilter,
  DeleteFilter,
  AddFilterKeyword,
  UpdateFilterKeyword,
  DeleteFilterKeyword,
  AddFilterStatus,
  DeleteFilterStatus,
  CreateLegacyFilter,
  UpdateLegacyFilter,
  FiltersHandlers,
];
