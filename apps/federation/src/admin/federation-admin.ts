import 'reflect-metadata';
import { contracts } from '@mammut/contracts';
import { type Config, type HostedService, hostForCommand } from '@mammut/platform';
import { FederationModule } from '../federation.module';

/** The federation service hosted by an operator command, and the bus that reaches it. */
export type HostedFederation = HostedService;

/**
 * Hosts the federation service for an operator command (`npm run mammut -- domains …`). A running
 * server reads a change within the half minute its replicas trust their copy of the domain blocks.
 */
export const hostFederation = (config: Config): Promise<HostedFederation> =>
  hostForCommand(config, { module: FederationModule, contracts: contracts.federation });
