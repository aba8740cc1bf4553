import { Outbox, serviceDatabase } from '@mammut/platform';
import type { Provider } from '@nestjs/common';
import { moderationMigrations } from '../migrations';

export const MODERATION_DB = Symbol('MODERATION_DB');
export const MODERATION_SCHEMA = 'moderation';
/** The moderation schema's outbox: report events are written through it in the changing transaction. */
export const MODERATION_OUTBOX = Symbol('MODERATION_OUTBOX');

const database = serviceDatabase(MODERATION_DB, {
  schema: MODERATION_SCHEMA,
  migrations: moderationMigrations,
});
export const moderationDataSource = database.dataSource;
export const moderationDatabaseProviders: Provider[] = [
  database.provider,
  { provide: MODERATION_OUTBOX, useFactory: (): Outbox => new Outbox({ schema: MODERATION_SCHEMA }) },
];
