import { serviceDatabase } from '@mammut/platform';
import { searchMigrations } from '../migrations';

export const SEARCH_DB = Symbol('SEARCH_DB');
export const SEARCH_SCHEMA = 'search';

const database = serviceDatabase(SEARCH_DB, { schema: SEARCH_SCHEMA, migrations: searchMigrations });
export const searchDataSource = database.dataSource;
export const searchDatabaseProvider = database.provider;
