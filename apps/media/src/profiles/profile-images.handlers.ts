import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ProfileImages } from './profile-images';

/** `media.profile_image.*` on the bus. */
@Injectable()
export class ProfileImagesHandlers {
  constructor(private readonly images: ProfileImages) {}

  readonly bound = defineHandlers(contracts.media.profileImages, {
    store: ({ accountId, kind, uploadKey }) => this.images.store(accountId, kind, uploadKey),
    commit: async ({ accountId, kind, key }) => {
      await this.images.commit(accountId, kind, key);
      return {};
    },
    discard: async ({ accountId, key }) => {
      await this.images.discard(accountId, key);
      return {};
    },
  });
}
