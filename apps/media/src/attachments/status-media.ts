import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { EventSubscriber, on, RUNTIME, type Runtime, type Subscription } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { MEDIA_DB, MEDIA_SCHEMA } from '../database/media-database';
import { ProfileImages } from '../profiles/profile-images';
import { RemoteMedia } from '../remote/remote-media';
import { RemoteProfileImages } from '../remote/remote-profile-images';
import { MediaAttachments } from './media-attachments';

/**
 * The media of deleted statuses and accounts: a status deleted takes its attachments and their
 * files along (Mastodon's RemoveStatusService; reblogs carry no media of their own), except one
 * its author deletes to redraft, whose attachments stay for the new status; a
 * deleted account its avatar and header; a remote account's images are cached as they come.
 */
@Injectable()
export class StatusMedia extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(MEDIA_DB) db: DataSource,
    private readonly attachments: MediaAttachments,
    private readonly profileImages: ProfileImages,
    private readonly remote: RemoteMedia,
    private readonly remoteProfileImages: RemoteProfileImages,
  ) {
    super(runtime, { schema: MEDIA_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'media-deleted-statuses',
        handlers: [
          // Local and remote alike, as Mastodon's RemoveStatusService purges a remote status's
          // media; a status its author deletes to redraft lets go of its media instead.
          on(contracts.statuses.statuses.events.statusDeleted, ({ statusId, reblogOfId, keepMedia }, tx) => {
            if (reblogOfId !== null) return Promise.resolve();
            return keepMedia
              ? this.attachments.detachOfStatus(tx, statusId)
              : this.attachments.deleteOfStatus(tx, statusId);
          }),
        ],
      },
      {
        consumer: 'media-remote-statuses',
        handlers: [
          on(
            contracts.statuses.statuses.events.statusCreated,
            ({ status }, tx) => this.remote.linkToStatus(tx, status.id, status.accountId, status.mediaIds),
            { when: ({ status }) => !status.local && status.mediaIds.length > 0 },
          ),
          on(
            contracts.statuses.statuses.events.statusUpdated,
            ({ status }, tx) => this.remote.linkToStatus(tx, status.id, status.accountId, status.mediaIds),
            { when: ({ status }) => !status.local && status.mediaIds.length > 0 },
          ),
        ],
      },
      {
        consumer: 'media-remote-accounts',
        handlers: [
          on(
            contracts.accounts.admin.events.accountCreated,
            ({ accountId }) => this.remoteProfileImages.refresh(accountId),
            { when: ({ domain }) => domain !== null },
          ),
          on(
            contracts.accounts.admin.events.accountUpdated,
            ({ accountId }) => this.remoteProfileImages.refresh(accountId),
            { when: ({ changed }) => changed.includes('avatar') || changed.includes('header') },
          ),
        ],
      },
      {
        consumer: 'media-deleted-accounts',
        handlers: [
          on(contracts.accounts.admin.events.accountDeleted, ({ accountId }, tx) =>
            this.profileImages.deleteOfAccount(tx, accountId),
          ),
        ],
      },
    ];
  }
}
