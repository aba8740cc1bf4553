import { contracts, type Role } from '@mammut/contracts';
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

/**
 * The operator changes a local user (`npm run mammut -- accounts modify`): a role (`admin`,
 * `moderator`), a confirmation or an approval, through the same request the CLI sends.
 */
export async function modifyUser(
  config: Config,
  username: string,
  changes: { role?: Role; confirm?: boolean; approve?: boolean },
): Promise<void> {
  const accounts = await hostAccounts(config);
  try {
    const { userId } = await accounts.bus.request(contracts.accounts.admin.getUser, { username });
    await accounts.bus.request(contracts.accounts.admin.modifyUser, { userId, ...changes });
  } finally {
    await accounts.close();
  }
}

/**
 * The operator deletes a local account for good (`npm run mammut -- accounts delete`), through the
 * same requests the CLI sends.
 */
export async function deleteUser(config: Config, username: string): Promise<void> {
  const accounts = await hostAccounts(config);
  try {
    const { accountId } = await accounts.bus.request(contracts.accounts.admin.getUser, { username });
    await accounts.bus.request(contracts.accounts.admin.deleteAccount, { accountId });
  } finally {
    await accounts.close();
  }
}
