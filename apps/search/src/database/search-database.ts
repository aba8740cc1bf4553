import { serviceDatabase } from '@mammut/platform';
import { searchMigrations } from '../migrations';

export const SEARCH_DB = Symbol('SEARCH_DB');
export const SEARCH_SCHEMA = 'search';

/**
 * How PostgreSQL plans the search service's statements:
 * - the index's tables are read at random, by id walking backwards and through GIN indexes, and
 *   are hot in memory on any instance that searches: a random page costs about what a sequential
 *   one does. At PostgreSQL's default (4) the planner matches a frequent word's whole GIN posting
 *   list against an author's hundred statuses rather than walk those hundred;
 * - a search's best plan depends on its words (a frequent one: walk the newest statuses; with an
 *   author: walk theirs; with a property: walk the statuses that have it), so every execution is
 *   planned for its values. A prepared statement's generic plan, which PostgreSQL settles on after
 *   five alike, matched every word against the GIN index (20 times slower for `from:`).
 */
const PLANNER_SETTINGS = { random_page_cost: '1.1', plan_cache_mode: 'force_custom_plan' };

const database = serviceDatabase(SEARCH_DB, {
  schema: SEARCH_SCHEMA,
  migrations: searchMigrations,
  settings: PLANNER_SETTINGS,
});
export const searchDataSource = database.dataSource;
export const searchDatabaseProvider = database.provider;
