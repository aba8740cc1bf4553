import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { TimelinesModule } from './timelines.module';

/** Starts the timelines service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveTimelines(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, {
    name: 'timelines',
    module: TimelinesModule,
    contracts: contracts.timelines,
  });
}
