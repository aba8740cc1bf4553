import { Inject, Injectable } from '@nestjs/common';
import { logger, MEDIA_STORAGE, type MediaStorage, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { MEDIA_DB } from '../database/media-database';
import { MediaCleanup } from './media-cleanup';

/**
 * Runs the media cleanup every `MEDIA_SWEEP_MS` in each replica that consumes events (the batches
 * are claimed with SKIP LOCKED, so replicas share the work), the remote cache too when a retention
 * is set. A failed sweep is logged and the next one tries again.
 */
@Injectable()
export class MediaSweeper {
  private readonly log = logger('media:sweeper');
  private readonly cleanup: MediaCleanup;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(MEDIA_DB) db: DataSource,
    @Inject(MEDIA_STORAGE) storage: MediaStorage,
  ) {
    this.cleanup = new MediaCleanup(db, storage);
  }

  start(): void {
    if (!this.runtime.config.consumeEvents) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, this.runtime.config.media.sweepMs);
    this.timer.unref();
  }

  async sweep(): Promise<void> {
    try {
      const counts = await this.cleanup.sweep();
      const days = this.runtime.config.media.cacheRetentionDays;
      const remoteCache = days > 0 ? await this.cleanup.removeRemoteCache(days) : 0;
      if (counts.unattached || counts.profileImages || remoteCache)
        this.log.info({ ...counts, remoteCache }, 'media swept');
    } catch (error) {
      this.log.warn({ err: error }, 'media sweep failed; the next one tries again');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
