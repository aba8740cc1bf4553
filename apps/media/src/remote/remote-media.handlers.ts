import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { RemoteMedia } from './remote-media';

/** `media.remote.*` on the bus. */
@Injectable()
export class RemoteMediaHandlers {
  constructor(private readonly remote: RemoteMedia) {}

  readonly bound = defineHandlers(contracts.media.remote, {
    save: async ({ accountId, attachments, download }) => ({
      ids: await this.remote.save(accountId, attachments, download),
    }),
    fetch: async ({ id }) => ({ attachment: await this.remote.fetchNow(id) }),
  });
}
