import type { Provider } from '@nestjs/common';
import { CONFIG, type Config, createServiceDataSource } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { accountsMigrations } from '../migrations';

export const ACCOUNTS_DB = Symbol('ACCOUNTS_DB');
export const ACCOUNTS_SCHEMA = 'accounts';

export function accountsDataSource(config: Config): DataSource {
  return createServiceDataSource({
    schema: ACCOUNTS_SCHEMA,
    url: config.databaseUrl,
    entities: [],
    migrations: accountsMigrations,
  });
}

export const accountsDatabaseProvider: Provider = {
  provide: ACCOUNTS_DB,
  inject: [CONFIG],
  useFactory: async (config: Config): Promise<DataSource> => accountsDataSource(config).initialize(),
};
