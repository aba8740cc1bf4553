import type { Provider } from '@nestjs/common';
import { CONFIG, type Config, createServiceDataSource } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { federationMigrations } from '../migrations';

export const FEDERATION_DB = Symbol('FEDERATION_DB');
export const FEDERATION_SCHEMA = 'federation';

export function federationDataSource(config: Config): DataSource {
  return createServiceDataSource({
    schema: FEDERATION_SCHEMA,
    url: config.databaseUrl,
    entities: [],
    migrations: federationMigrations,
  });
}

export const federationDatabaseProvider: Provider = {
  provide: FEDERATION_DB,
  inject: [CONFIG],
  useFactory: async (config: Config): Promise<DataSource> => federationDataSource(config).initialize(),
};
