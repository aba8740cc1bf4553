import { Outbox, serviceDatabase } from '@mammut/platform';
import type { Provider } from '@nestjs/common';
import { mediaMigrations } from '../migrations';

export const MEDIA_DB = Symbol('MEDIA_DB');
export const MEDIA_SCHEMA = 'media';
/** The media schema's outbox: attachment events are written through it in the changing transaction. */
export const MEDIA_OUTBOX = Symbol('MEDIA_OUTBOX');

const database = serviceDatabase(MEDIA_DB, { schema: MEDIA_SCHEMA, migrations: mediaMigrations });
export const mediaDataSource = database.dataSource;
export const mediaDatabaseProviders: Provider[] = [
  database.provider,
  { provide: MEDIA_OUTBOX, useFactory: (): Outbox => new Outbox({ schema: MEDIA_SCHEMA }) },
];
