import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { SearchModule } from './search.module';

/** Starts the search service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveSearch(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, {
    name: 'search',
    module: SearchModule,
    contracts: contracts.search,
  });
}
