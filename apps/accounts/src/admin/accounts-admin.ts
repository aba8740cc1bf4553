import { assertSchemaCurrent, type Config } from '@mammut/platform';
import { accountsDataSource } from '../database/accounts-database';
import { PasswordHasher } from '../passwords/password-hasher';
import { AdminUsersQueries } from './admin-users.queries';
import { LocalUsers } from '../registration/local-users';
import { CreateUser } from './create-user.service';
import { ModifyUser } from './modify-user.service';

/** The operator's use cases on the accounts schema, with the database they share. */
export interface AccountsAdmin {
  readonly createUser: CreateUser;
  readonly modifyUser: ModifyUser;
  readonly users: AdminUsersQueries;
  close(): Promise<void>;
}

/**
 * Wires the admin use cases by hand on one DataSource: the CLI needs PostgreSQL only, and booting
 * AccountsModule would also connect to NATS and answer the bus alongside the running server.
 */
export async function openAccountsAdmin(config: Config): Promise<AccountsAdmin> {
  const db = await accountsDataSource(config).initialize();
  try {
    await assertSchemaCurrent(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const users = new AdminUsersQueries(db);
  return {
    createUser: new CreateUser(db, new PasswordHasher(config), new LocalUsers(db, config), users),
    modifyUser: new ModifyUser(db, users),
    users,
    close: () => db.destroy(),
  };
}
