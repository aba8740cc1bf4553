import { CreateFederation1796400000000 } from './1796400000000-CreateFederation';

/** Every migration of the federation schema, in order. */
export const federationMigrations = [CreateFederation1796400000000];
