import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { AdminUsersQueries } from './admin-users.queries';
import { CreateUser } from './create-user.service';
import { DeleteAccount } from './delete-account.service';
import { DomainSanctions } from './domain-sanctions';
import { ModifyUser } from './modify-user.service';
import { MoveAccount } from './move-account.service';
import { SanctionAccount } from './sanction-account.service';

/** The operator's requests: the CLI sends them, in process or over NATS, as the admin API will. */
@Injectable()
export class AdminHandlers {
  constructor(
    private readonly users: AdminUsersQueries,
    private readonly createUser: CreateUser,
    private readonly modifyUser: ModifyUser,
    private readonly sanction: SanctionAccount,
    private readonly deleteAccount: DeleteAccount,
    private readonly moveAccount: MoveAccount,
    private readonly domainSanctions: DomainSanctions,
  ) {}

  private async suspension(accountId: string, sanction: 'suspend' | 'unsuspend') {
    return { accountId, suspended: (await this.sanction.execute(accountId, sanction)).applied };
  }

  private async silencing(accountId: string, sanction: 'silence' | 'unsilence') {
    return { accountId, silenced: (await this.sanction.execute(accountId, sanction)).applied };
  }

  readonly bound = defineHandlers(contracts.accounts.admin, {
    createUser: (input) => this.createUser.execute(input),
    getUser: ({ username }) => this.users.byUsername(username),
    getUserRoles: async ({ accountIds }) => ({ roles: await this.users.roles(accountIds) }),
    listUsers: async () => ({ users: await this.users.list() }),
    listUserManagers: async ({ after, limit }) => ({
      accountIds: await this.users.userManagers(after, limit),
    }),
    modifyUser: ({ userId, ...changes }) => this.modifyUser.execute(userId, changes),
    suspendAccount: ({ accountId }) => this.suspension(accountId, 'suspend'),
    unsuspendAccount: ({ accountId }) => this.suspension(accountId, 'unsuspend'),
    silenceAccount: ({ accountId }) => this.silencing(accountId, 'silence'),
    unsilenceAccount: ({ accountId }) => this.silencing(accountId, 'unsilence'),
    applyDomainBlock: async ({ domain, severity, since }) => ({
      changed: await this.domainSanctions.apply(domain, severity, since),
    }),
    deleteAccount: ({ accountId }) => this.deleteAccount.execute(accountId),
    moveAccount: ({ accountId, targetAccountId, force }) =>
      this.moveAccount.execute(accountId, targetAccountId, force),
  });
}
