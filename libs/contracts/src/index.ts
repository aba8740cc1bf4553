export * from './define';
export * from './errors';
export * from './accounts/records';
export * from './accounts/scopes';
import { accountsProfiles } from './accounts/accounts.contracts';

/** Every request, event and job of Mammut, by service and feature. */
export const contracts = {
  accounts: {
    profiles: accountsProfiles,
  },
} as const;
