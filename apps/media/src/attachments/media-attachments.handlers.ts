import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { MediaAttachments } from './media-attachments';

/** `media.attachment.*` on the bus. */
@Injectable()
export class MediaAttachmentsHandlers {
  constructor(private readonly attachments: MediaAttachments) {}

  readonly bound = defineHandlers(contracts.media.attachments, {
    create: async (input) => ({ attachment: await this.attachments.create(input) }),
    get: async ({ accountId, id }) => ({ attachment: await this.attachments.get(accountId, id) }),
    update: async (change) => ({ attachment: await this.attachments.update(change) }),
    attach: async (input) => ({ attachments: await this.attachments.attach(input) }),
    describe: async (input) => ({ changed: await this.attachments.describe(input) }),
    release: async ({ accountId, scheduledStatusId }) => {
      await this.attachments.release(accountId, scheduledStatusId);
      return {};
    },
    list: async ({ ids }) => ({ attachments: await this.attachments.list(ids) }),
    delete: async ({ accountId, id }) => {
      await this.attachments.delete(accountId, id);
      return {};
    },
  });
}
