import type { Provider } from '@nestjs/common';
import { AccountsHealth } from '../database/accounts-health';
import { InstanceHandlers } from './instance.handlers';
import { InstanceQueries } from './instance.queries';

/** Instance-wide figures on the bus, and this service's readiness probe. */
export const instanceProviders: Provider[] = [InstanceQueries, InstanceHandlers, AccountsHealth];
