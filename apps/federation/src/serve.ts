import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { FederationModule } from './federation.module';

/** Starts the federation service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveFederation(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, {
    name: 'federation',
    module: FederationModule,
    contracts: contracts.federation,
  });
}
