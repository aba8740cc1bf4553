import { CreateReports1796500000000 } from './1796500000000-CreateReports';

/** Every migration of the moderation schema, in order. */
export const moderationMigrations = [CreateReports1796500000000];
