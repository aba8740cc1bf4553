import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { Jobs, RUNTIME, type Runtime } from '@mammut/platform';
import { RemoteMedia } from './remote-media';
import { RemoteProfileImages } from './remote-profile-images';

/**
 * Mastodon tries a failed remote download once more later (RedownloadMediaWorker); only a server
 * away is tried again (remote-media.ts), anything else is final at once.
 */
const FETCH_BACKOFF_MS = [60_000];

/**
 * Fetches the files of remote attachments, and remote accounts' avatars and headers, off the
 * inbox's path. A server away is tried again
 * later; after the last try the attachment stays a link to its server, and the media proxy may
 * still fetch it when someone looks.
 */
@Injectable()
export class RemoteFetchWorker {
  private readonly jobs: Jobs;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly remote: RemoteMedia,
    private readonly profileImages: RemoteProfileImages,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  async start(): Promise<void> {
    if (!this.runtime.config.consumeEvents) return;
    await this.jobs.work(contracts.media.jobs.fetch, ({ id }) => this.remote.download(id), {
      maxAttempts: FETCH_BACKOFF_MS.length + 1,
      backoffMs: FETCH_BACKOFF_MS,
      concurrency: 2,
      ackWaitMs: 5 * 60_000,
    });
    await this.jobs.work(
      contracts.media.jobs.fetchProfileImage,
      ({ accountId, kind, url }) => this.profileImages.download(accountId, kind, url),
      { maxAttempts: FETCH_BACKOFF_MS.length + 1, backoffMs: FETCH_BACKOFF_MS, concurrency: 2 },
    );
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }
}
