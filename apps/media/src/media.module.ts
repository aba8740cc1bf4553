import { Inject, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import {
  assertSchemaCurrent,
  busController,
  HealthModule,
  OutboxRelay,
  postgresReadiness,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { MEDIA_DB, MEDIA_SCHEMA, mediaDatabaseProviders } from './database/media-database';
import { MediaAttachments } from './attachments/media-attachments';
import { MediaAttachmentsHandlers } from './attachments/media-attachments.handlers';
import { MediaChangesListener, MediaRecordsCache } from './attachments/media-cache';
import { ProcessWorker } from './attachments/process-worker';
import { StatusMedia } from './attachments/status-media';
import { ProfileImages } from './profiles/profile-images';
import { ProfileImagesHandlers } from './profiles/profile-images.handlers';
import { MediaSweeper } from './cleanup/media-sweeper';
import { RemoteFetchWorker } from './remote/fetch-worker';
import { RemoteMedia } from './remote/remote-media';
import { RemoteProfileImages } from './remote/remote-profile-images';
import { RemoteMediaHandlers } from './remote/remote-media.handlers';

/**
 * Media: attachments and their files (images, video, audio and gifv; remote media to come). Answers `media.*` on the bus, processes uploads as jobs and publishes `events.media.*`
 * from its outbox. Files go through MediaStorage, which the gateway shares; the bytes never cross
 * the bus.
 */
@Module({
  imports: [HealthModule],
  controllers: [
    busController(contracts.media.attachments, MediaAttachmentsHandlers),
    busController(contracts.media.profileImages, ProfileImagesHandlers),
    busController(contracts.media.remote, RemoteMediaHandlers),
  ],
  providers: [
    ...mediaDatabaseProviders,
    postgresReadiness('media', MEDIA_DB),
    MediaRecordsCache,
    MediaChangesListener,
    MediaAttachments,
    MediaAttachmentsHandlers,
    ProcessWorker,
    StatusMedia,
    ProfileImages,
    ProfileImagesHandlers,
    RemoteMedia,
    RemoteProfileImages,
    RemoteMediaHandlers,
    RemoteFetchWorker,
    MediaSweeper,
  ],
})
export class MediaModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: OutboxRelay;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(MEDIA_DB) private readonly db: DataSource,
    private readonly worker: ProcessWorker,
    private readonly statusMedia: StatusMedia,
    private readonly fetchWorker: RemoteFetchWorker,
    private readonly sweeper: MediaSweeper,
  ) {}

  /** Before the bus server listens: refuse a schema that is behind, then relay events and work jobs. */
  async onApplicationBootstrap(): Promise<void> {
    await assertSchemaCurrent(this.db);
    this.relay = await OutboxRelay.started(this.runtime, MEDIA_SCHEMA, this.db);
    await this.worker.start();
    await this.fetchWorker.start();
    this.sweeper.start();
    await this.statusMedia.start();
  }

  /** Last, after the bus has drained: the jobs in hand finish, the relay its batch, then the pool closes. */
  async onApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    await this.fetchWorker.stop();
    await this.sweeper.stop();
    await this.statusMedia.stop();
    await this.relay?.stop();
    await this.db.destroy();
  }
}
