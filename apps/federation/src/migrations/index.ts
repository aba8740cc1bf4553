import { CreateFederation1796400000000 } from './1796400000000-CreateFederation';
import { CreateUnavailableDomains1796400000100 } from './1796400000100-CreateUnavailableDomains';
import { CreateDomainBlocks1796400000200 } from './1796400000200-CreateDomainBlocks';
import { CreateRelays1796400000300 } from './1796400000300-CreateRelays';

/** Every migration of the federation schema, in order. */
export const federationMigrations = [
  CreateFederation1796400000000,
  CreateUnavailableDomains1796400000100,
  CreateDomainBlocks1796400000200,
  CreateRelays1796400000300,
];
