import type { Provider } from '@nestjs/common';
import { postgresReadiness } from '@mammut/platform';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { InstanceHandlers } from './instance.handlers';
import { InstanceQueries } from './instance.queries';

/** Instance-wide figures on the bus, and this service's readiness probe. */
export const instanceProviders: Provider[] = [
  InstanceQueries,
  InstanceHandlers,
  postgresReadiness('accounts', ACCOUNTS_DB),
];
