import { serviceDatabase } from '@mammut/platform';
import { accountsMigrations } from '../migrations';

export const ACCOUNTS_DB = Symbol('ACCOUNTS_DB');
export const ACCOUNTS_SCHEMA = 'accounts';

const database = serviceDatabase(ACCOUNTS_DB, { schema: ACCOUNTS_SCHEMA, migrations: accountsMigrations });
export const accountsDataSource = database.dataSource;
export const accountsDatabaseProvider = database.provider;
