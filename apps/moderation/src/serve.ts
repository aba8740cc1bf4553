import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { ModerationModule } from './moderation.module';

/** Starts the moderation service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveModeration(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, {
    name: 'moderation',
    module: ModerationModule,
    contracts: contracts.moderation,
  });
}
