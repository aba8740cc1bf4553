import type { Config } from '@mammut/platform';
import { openAccountsAdmin } from '../../apps/accounts/src/admin/accounts-admin';

/**
 * A local user whose e-mail address is not confirmed, made by the operator's use case (what
 * `npm run mammut -- accounts create` does without `--confirmed`): sign-up confirms at once
 * when no SMTP is configured, as in most test systems.
 */
export async function createUnconfirmedUser(config: Config, username: string): Promise<void> {
  const admin = await openAccountsAdmin(config);
  try {
    await admin.createUser.execute({
      username,
      email: `${username}@example.com`,
      role: 'user',
      confirmed: false,
    });
  } finally {
    await admin.close();
  }
}
