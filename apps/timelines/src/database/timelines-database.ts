import { serviceDatabase } from '@mammut/platform';
import { timelinesMigrations } from '../migrations';

export const TIMELINES_DB = Symbol('TIMELINES_DB');
export const TIMELINES_SCHEMA = 'timelines';

const database = serviceDatabase(TIMELINES_DB, { schema: TIMELINES_SCHEMA, migrations: timelinesMigrations });
export const timelinesDataSource = database.dataSource;
export const timelinesDatabaseProvider = database.provider;
