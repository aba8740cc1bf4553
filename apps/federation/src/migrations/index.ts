import { CreateFederation1796400000000 } from './1796400000000-CreateFederation';
import { CreateUnavailableDomains1796400000100 } from './1796400000100-CreateUnavailableDomains';

/** Every migration of the federation schema, in order. */
export const federationMigrations = [CreateFederation1796400000000, CreateUnavailableDomains1796400000100];
