import { CreateSearchIndex1796600000000 } from './1796600000000-CreateSearchIndex';
import { AddStatusMedia1796600000100 } from './1796600000100-AddStatusMedia';
import { AddVoteSearchers1796600000200 } from './1796600000200-AddVoteSearchers';
import { IndexStatusProperties1796600000300 } from './1796600000300-IndexStatusProperties';

/** Every migration of the search schema, in order. */
export const searchMigrations = [
  CreateSearchIndex1796600000000,
  AddStatusMedia1796600000100,
  AddVoteSearchers1796600000200,
  IndexStatusProperties1796600000300,
];
