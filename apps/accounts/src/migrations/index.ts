import { CreateAccounts1763900000000 } from './1763900000000-CreateAccounts';

/** Every migration of the accounts schema, in order. */
export const accountsMigrations = [CreateAccounts1763900000000];
