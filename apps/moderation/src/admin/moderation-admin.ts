import 'reflect-metadata';
import { contracts } from '@mammut/contracts';
import { type Config, type HostedService, hostForCommand } from '@mammut/platform';
import { ModerationModule } from '../moderation.module';

/** Hosts the moderation service for an operator command (`npm run mammut -- reports …`). */
export const hostModeration = (config: Config): Promise<HostedService> =>
  hostForCommand(config, { module: ModerationModule, contracts: contracts.moderation });
