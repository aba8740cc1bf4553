import type { Provider } from '@nestjs/common';
import { Outbox, serviceDatabase } from '@mammut/platform';
import { statusesMigrations } from '../migrations';

export const STATUSES_DB = Symbol('STATUSES_DB');
export const STATUSES_OUTBOX = Symbol('STATUSES_OUTBOX');
export const STATUSES_SCHEMA = 'statuses';

const database = serviceDatabase(STATUSES_DB, { schema: STATUSES_SCHEMA, migrations: statusesMigrations });
export const statusesDataSource = database.dataSource;

export const statusesDatabaseProviders: Provider[] = [
  database.provider,
  // Status events are written through it in the transaction that made the change.
  { provide: STATUSES_OUTBOX, useFactory: (): Outbox => new Outbox({ schema: STATUSES_SCHEMA }) },
];
