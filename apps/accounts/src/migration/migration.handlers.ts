import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ManageAliases } from './manage-aliases.service';
import { MigrateAccount } from './migrate-account.service';
import { MoveRemoteAccount } from './move-remote-account.service';

/** Aliases and moves: the settings routes of the gateway, the CLI and federation's inbox send these. */
@Injectable()
export class MigrationHandlers {
  constructor(
    private readonly aliases: ManageAliases,
    private readonly migrate: MigrateAccount,
    private readonly moveRemote: MoveRemoteAccount,
  ) {}

  readonly bound = defineHandlers(contracts.accounts.migration, {
    listAliases: ({ accountId }) => this.aliases.list(accountId),
    addAlias: ({ accountId, targetAccountId }) => this.aliases.add(accountId, targetAccountId),
    removeAlias: ({ accountId, uri }) => this.aliases.remove(accountId, uri),
    migrateAccount: ({ accountId, targetAccountId, currentPassword }) =>
      this.migrate.execute(accountId, targetAccountId, currentPassword),
    moveRemoteAccount: ({ accountId, targetAccountId }) =>
      this.moveRemote.execute(accountId, targetAccountId),
  });
}
