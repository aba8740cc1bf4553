import type { Provider } from '@nestjs/common';
import { ManageAliases } from './manage-aliases.service';
import { MigrateAccount } from './migrate-account.service';
import { MigrationHandlers } from './migration.handlers';
import { MoveFollowers } from './move-followers';
import { MoveRemoteAccount } from './move-remote-account.service';

/** Account migration: aliases, moves, and followers moving with them. */
export const migrationProviders: Provider[] = [
  ManageAliases,
  MigrateAccount,
  MoveRemoteAccount,
  MoveFollowers,
  MigrationHandlers,
];
