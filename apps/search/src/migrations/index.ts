import { CreateSearchIndex1796600000000 } from './1796600000000-CreateSearchIndex';

/** Every migration of the search schema, in order. */
export const searchMigrations = [CreateSearchIndex1796600000000];
