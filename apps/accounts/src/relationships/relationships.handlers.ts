import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { AccountListsQueries } from './account-lists.queries';
import { SetAccountNote } from './account-note.service';
import { BlockAccount, UnblockAccount } from './block-account.service';
import { BlockDomain, UnblockDomain } from './domain-blocks.service';
import { EndorseAccount, UnendorseAccount } from './endorse-account.service';
import { FollowAccount } from './follow-account.service';
import { AuthorizeFollowRequest, RejectFollowRequest } from './follow-requests.service';
import { MuteAccount, UnmuteAccount } from './mute-account.service';
import { RelationshipsQueries } from './relationships.queries';
import { RemoveFromFollowers, UnfollowAccount } from './unfollow-account.service';

/**
 * `accounts.relationships.*` on the bus. This adapter is the one place that lists every use case
 * of the namespace, one line each, so its constructor is as long as the namespace on purpose:
 * splitting it would only split the typed map that proves every subject has a handler.
 */
@Injectable()
export class RelationshipsHandlers {
  constructor(
    private readonly relationships: RelationshipsQueries,
    private readonly lists: AccountListsQueries,
    private readonly followAccount: FollowAccount,
    private readonly unfollowAccount: UnfollowAccount,
    private readonly removeFollower: RemoveFromFollowers,
    private readonly authorizeRequest: AuthorizeFollowRequest,
    private readonly rejectRequest: RejectFollowRequest,
    private readonly blockAccount: BlockAccount,
    private readonly unblockAccount: UnblockAccount,
    private readonly muteAccount: MuteAccount,
    private readonly unmuteAccount: UnmuteAccount,
    private readonly blockDomain: BlockDomain,
    private readonly unblockDomain: UnblockDomain,
    private readonly setAccountNote: SetAccountNote,
    private readonly endorseAccount: EndorseAccount,
    private readonly unendorseAccount: UnendorseAccount,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.relationships, {
    getRelationships: ({ viewerId, ids, withSuspended }) =>
      this.relationships.relationships(viewerId, ids, withSuspended),
    getFamiliarFollowers: async ({ viewerId, ids }) => ({
      items: await this.relationships.familiarFollowers(viewerId, ids),
    }),
    follow: (request) => this.followAccount.execute(request),
    unfollow: ({ viewerId, targetId }) => this.unfollowAccount.execute(viewerId, targetId),
    removeFromFollowers: ({ viewerId, targetId }) => this.removeFollower.execute(viewerId, targetId),
    listLocalFollowers: async ({ accountId, after, limit }) => ({
      followers: await this.lists.localFollowers(accountId, after, limit),
    }),
    listNotifiedFollowers: async ({ accountId, after, limit }) => ({
      followers: await this.lists.notifiedFollowers(accountId, after, limit),
    }),
    listFollowedAccounts: async ({ accountId, after, limit }) => ({
      followed: await this.lists.followedAccounts(accountId, after, limit),
    }),
    listFollowers: async ({ accountId, viewerId, page }) => ({
      items: await this.lists.followers(accountId, viewerId, page),
    }),
    listFollowing: async ({ accountId, viewerId, page }) => ({
      items: await this.lists.following(accountId, viewerId, page),
    }),
    listFollowRequests: async ({ viewerId, page }) => ({
      items: await this.lists.followRequests(viewerId, page),
    }),
    authorizeFollowRequest: ({ viewerId, targetId }) => this.authorizeRequest.execute(viewerId, targetId),
    rejectFollowRequest: ({ viewerId, targetId }) => this.rejectRequest.execute(viewerId, targetId),
    block: ({ viewerId, targetId }) => this.blockAccount.execute(viewerId, targetId),
    unblock: ({ viewerId, targetId }) => this.unblockAccount.execute(viewerId, targetId),
    listBlocks: async ({ viewerId, page }) => ({ items: await this.lists.blocks(viewerId, page) }),
    mute: (request) => this.muteAccount.execute(request),
    unmute: ({ viewerId, targetId }) => this.unmuteAccount.execute(viewerId, targetId),
    listMutes: async ({ viewerId, page }) => ({ items: await this.lists.mutes(viewerId, page) }),
    listDomainBlocks: async ({ viewerId, page }) => ({
      items: await this.lists.domainBlocks(viewerId, page),
    }),
    blockDomain: ({ viewerId, domain }) => this.blockDomain.execute(viewerId, domain),
    unblockDomain: ({ viewerId, domain }) => this.unblockDomain.execute(viewerId, domain),
    setNote: ({ viewerId, targetId, comment }) => this.setAccountNote.execute(viewerId, targetId, comment),
    endorse: ({ viewerId, targetId }) => this.endorseAccount.execute(viewerId, targetId),
    unendorse: ({ viewerId, targetId }) => this.unendorseAccount.execute(viewerId, targetId),
    listEndorsements: async ({ accountId, viewerId, page }) => ({
      items: await this.lists.endorsements(accountId, viewerId, page),
    }),
  });
}
