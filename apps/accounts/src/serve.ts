import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { AccountsModule } from './accounts.module';

/** Starts the accounts service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveAccounts(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, { name: 'accounts', module: AccountsModule, contracts: contracts.accounts });
}
