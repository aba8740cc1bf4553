import type { Provider } from '@nestjs/common';
import { AccountListsQueries } from './account-lists.queries';
import { accountsOutboxProvider } from './accounts-outbox';
import { SetAccountNote } from './account-note.service';
import { BlockAccount, UnblockAccount } from './block-account.service';
import { BlockDomain, UnblockDomain } from './domain-blocks.service';
import { EndorseAccount, UnendorseAccount } from './endorse-account.service';
import { FollowAccount } from './follow-account.service';
import { FollowGraph } from './follow-graph.repository';
import { PairChanges } from './pair-change';
import { AuthorizeFollowRequest, RejectFollowRequest } from './follow-requests.service';
import { MuteAccount, UnmuteAccount } from './mute-account.service';
import { ExpireMutes } from './expire-mutes.service';
import { RelationshipsHandlers } from './relationships.handlers';
import { RelationshipsQueries } from './relationships.queries';
import { RemoveFromFollowers, UnfollowAccount } from './unfollow-account.service';

/** The relationships feature's providers, listed here so the module file gains one line, not sixteen. */
export const relationshipsProviders: Provider[] = [
  accountsOutboxProvider,
  FollowGraph,
  PairChanges,
  RelationshipsQueries,
  AccountListsQueries,
  FollowAccount,
  UnfollowAccount,
  RemoveFromFollowers,
  AuthorizeFollowRequest,
  RejectFollowRequest,
  BlockAccount,
  UnblockAccount,
  MuteAccount,
  ExpireMutes,
  UnmuteAccount,
  BlockDomain,
  UnblockDomain,
  SetAccountNote,
  EndorseAccount,
  UnendorseAccount,
  RelationshipsHandlers,
];
