import type { Provider } from '@nestjs/common';
import { AddListMembers, RemoveListMembers } from './list-members.service';
import { ListMemberships } from './list-memberships';
import { ListsHandlers } from './lists.handlers';
import { ListsQueries } from './lists.queries';
import { CreateList, DeleteList, UpdateList } from './manage-lists.service';

/** The lists feature's providers. */
export const listsProviders: Provider[] = [
  ListMemberships,
  ListsQueries,
  CreateList,
  UpdateList,
  DeleteList,
  AddListMembers,
  RemoveListMembers,
  ListsHandlers,
];
