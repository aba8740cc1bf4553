import type { Provider } from '@nestjs/common';
import { Outbox, serviceDatabase } from '@mammut/platform';
import { federationMigrations } from '../migrations';

export const FEDERATION_DB = Symbol('FEDERATION_DB');
export const FEDERATION_SCHEMA = 'federation';

const database = serviceDatabase(FEDERATION_DB, {
  schema: FEDERATION_SCHEMA,
  migrations: federationMigrations,
});
export const federationDataSource = database.dataSource;
export const federationDatabaseProvider = database.provider;
/** The federation schema's outbox: domain block events are written through it in the changing transaction. */
export const FEDERATION_OUTBOX = Symbol('FEDERATION_OUTBOX');
export const federationOutboxProvider: Provider = {
  provide: FEDERATION_OUTBOX,
  useFactory: (): Outbox => new Outbox({ schema: FEDERATION_SCHEMA }),
};
