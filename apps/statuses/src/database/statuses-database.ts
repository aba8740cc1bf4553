import type { Provider } from '@nestjs/common';
import { CONFIG, type Config, createServiceDataSource, Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { statusesMigrations } from '../migrations';

export const STATUSES_DB = Symbol('STATUSES_DB');
export const STATUSES_OUTBOX = Symbol('STATUSES_OUTBOX');
export const STATUSES_SCHEMA = 'statuses';

export function statusesDataSource(config: Config): DataSource {
  return createServiceDataSource({
    schema: STATUSES_SCHEMA,
    url: config.databaseUrl,
    entities: [],
    migrations: statusesMigrations,
  });
}

export const statusesDatabaseProviders: Provider[] = [
  {
    provide: STATUSES_DB,
    inject: [CONFIG],
    useFactory: async (config: Config): Promise<DataSource> => statusesDataSource(config).initialize(),
  },
  // Status events are written through it in the transaction that made the change.
  { provide: STATUSES_OUTBOX, useFactory: (): Outbox => new Outbox({ schema: STATUSES_SCHEMA }) },
];
