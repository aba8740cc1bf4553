import type { Provider } from '@nestjs/common';
import { CONFIG, type Config, createServiceDataSource } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { timelinesMigrations } from '../migrations';

export const TIMELINES_DB = Symbol('TIMELINES_DB');
export const TIMELINES_SCHEMA = 'timelines';

export function timelinesDataSource(config: Config): DataSource {
  return createServiceDataSource({
    schema: TIMELINES_SCHEMA,
    url: config.databaseUrl,
    entities: [],
    migrations: timelinesMigrations,
  });
}

export const timelinesDatabaseProvider: Provider = {
  provide: TIMELINES_DB,
  inject: [CONFIG],
  useFactory: async (config: Config): Promise<DataSource> => timelinesDataSource(config).initialize(),
};
