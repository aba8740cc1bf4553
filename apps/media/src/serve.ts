import { contracts } from '@mammut/contracts';
import { type Config, type Logger, serveAlone } from '@mammut/platform';
import { MediaModule } from './media.module';

/** Starts the media service alone; `close` drains the health listener, Nest, then the runtime. */
export function serveMedia(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  return serveAlone(config, log, { name: 'media', module: MediaModule, contracts: contracts.media });
}
