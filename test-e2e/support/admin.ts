import { contracts } from '@mammut/contracts';
import type { Config } from '@mammut/platform';
import { hostAccounts } from '../../apps/accounts/src/admin/accounts-admin';

/**
 * A local user whose e-mail address is not confirmed, made through the operator's request (what
 * `npm run mammut -- accounts create` does without `--confirmed`): sign-up confirms at once
 * when no SMTP is configured, as in most test systems.
 */
export async function createUnconfirmedUser(config: Config, username: string): Promise<void> {
  const accounts = await hostAccounts(config);
  try {
    await accounts.bus.request(contracts.accounts.admin.createUser, {
      username,
      email: `${username}@example.com`,
    });
  } finally {
    await accounts.close();
  }
}
