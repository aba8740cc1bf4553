import type { Provider } from '@nestjs/common';
import { AdminHandlers } from './admin.handlers';
import { AdminUsersQueries } from './admin-users.queries';
import { CreateUser } from './create-user.service';
import { DeleteAccount } from './delete-account.service';
import { DomainSanctions } from './domain-sanctions';
import { ModifyUser } from './modify-user.service';
import { MoveAccount } from './move-account.service';
import { SanctionAccount } from './sanction-account.service';

/** What operators do to users and accounts. */
export const adminProviders: Provider[] = [
  AdminUsersQueries,
  CreateUser,
  ModifyUser,
  SanctionAccount,
  DeleteAccount,
  MoveAccount,
  DomainSanctions,
  AdminHandlers,
];
