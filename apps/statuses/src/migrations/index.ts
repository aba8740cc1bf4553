import { CreateStatuses1796200000000 } from './1796200000000-CreateStatuses';

/** Every migration of the statuses schema, in order. */
export const statusesMigrations = [CreateStatuses1796200000000];
