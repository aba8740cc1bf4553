import { serviceDatabase } from '@mammut/platform';
import { federationMigrations } from '../migrations';

export const FEDERATION_DB = Symbol('FEDERATION_DB');
export const FEDERATION_SCHEMA = 'federation';

const database = serviceDatabase(FEDERATION_DB, {
  schema: FEDERATION_SCHEMA,
  migrations: federationMigrations,
});
export const federationDataSource = database.dataSource;
export const federationDatabaseProvider = database.provider;
