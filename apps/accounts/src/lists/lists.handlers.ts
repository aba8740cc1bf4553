import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { AddListMembers, RemoveListMembers } from './list-members.service';
import { ListsQueries } from './lists.queries';
import { CreateList, DeleteList, UpdateList } from './manage-lists.service';

/** `accounts.lists.*` on the bus: one line per use case. */
@Injectable()
export class ListsHandlers {
  constructor(
    private readonly queries: ListsQueries,
    private readonly createList: CreateList,
    private readonly updateList: UpdateList,
    private readonly deleteList: DeleteList,
    private readonly addMembers: AddListMembers,
    private readonly removeMembers: RemoveListMembers,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.lists, {
    getLists: async ({ viewerId }) => ({ lists: await this.queries.lists(viewerId) }),
    getList: ({ viewerId, listId }) => this.queries.one(viewerId, listId),
    createList: ({ viewerId, ...fields }) => this.createList.execute(viewerId, fields),
    updateList: ({ viewerId, listId, ...fields }) => this.updateList.execute(viewerId, listId, fields),
    deleteList: ({ viewerId, listId }) => this.deleteList.execute(viewerId, listId),
    listMembers: async ({ viewerId, listId, page }) => ({
      items: await this.queries.members(viewerId, listId, page),
    }),
    addMembers: ({ viewerId, listId, accountIds }) => this.addMembers.execute(viewerId, listId, accountIds),
    removeMembers: ({ viewerId, listId, accountIds }) =>
      this.removeMembers.execute(viewerId, listId, accountIds),
    getListsWithMember: async ({ viewerId, accountId }) => ({
      lists: await this.queries.withMember(viewerId, accountId),
    }),
    listMemberships: async ({ accountId, replyTargetId, after, limit }) => ({
      memberships: await this.queries.memberships(accountId, replyTargetId, after, limit),
    }),
    filterExclusiveOwners: async ({ accountId, ownerIds }) => ({
      ownerIds: await this.queries.exclusiveOwners(accountId, ownerIds),
    }),
    getReplyTargets: ({ listId, accountIds }) => this.queries.replyTargets(listId, accountIds),
  });
}
