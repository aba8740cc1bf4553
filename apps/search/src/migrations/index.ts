import { CreateSearchIndex1796600000000 } from './1796600000000-CreateSearchIndex';
import { AddStatusMedia1796600000100 } from './1796600000100-AddStatusMedia';
import { AddVoteSearchers1796600000200 } from './1796600000200-AddVoteSearchers';
import { IndexStatusProperties1796600000300 } from './1796600000300-IndexStatusProperties';
import { CreateStatusTerms1796600000400 } from './1796600000400-CreateStatusTerms';
import { DropStatusesTsv1796600000500 } from './1796600000500-DropStatusesTsv';
import { GinWithoutPendingLists1796600000600 } from './1796600000600-GinWithoutPendingLists';

/** Every migration of the search schema, in order. */
export const searchMigrations = [
  CreateSearchIndex1796600000000,
  AddStatusMedia1796600000100,
  AddVoteSearchers1796600000200,
  IndexStatusProperties1796600000300,
  CreateStatusTerms1796600000400,
  DropStatusesTsv1796600000500,
  GinWithoutPendingLists1796600000600,
];
