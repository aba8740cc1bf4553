import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { StatusesModule } from './statuses.module';

/** Starts the statuses service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveStatuses(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, { name: 'statuses', module: StatusesModule, contracts: contracts.statuses });
}
