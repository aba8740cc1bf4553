import 'reflect-metadata';
import { contracts } from '@mammut/contracts';
import { type Config, type HostedService, hostForCommand } from '@mammut/platform';
import { AccountsModule } from '../accounts.module';

/** The accounts service hosted by an operator command, and the bus that reaches it. */
export type HostedAccounts = HostedService;

/**
 * Hosts the accounts service for an operator command (`npm run mammut`): the command sends the
 * same bus requests an admin API would, answered by the same use cases, which write the same events.
 */
export const hostAccounts = (config: Config): Promise<HostedAccounts> =>
  hostForCommand(config, { module: AccountsModule, contracts: contracts.accounts });
