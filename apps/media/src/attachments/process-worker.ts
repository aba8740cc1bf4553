import { Inject, Injectable } from '@nestjs/common';
import { contracts, type PayloadOf } from '@mammut/contracts';
import { type JobMeta, Jobs, RUNTIME, type Runtime } from '@mammut/platform';
import { MediaAttachments } from './media-attachments';

const processJob = contracts.media.jobs.process;

/** Sidekiq's schedule for Mastodon's PostProcessMediaWorker's retries ((n⁴ + 15) s), shortened: 4 tries. */
const PROCESS_BACKOFF_MS = [1, 2, 3].map((n) => (n ** 4 + 15) * 1000);

/**
 * Works the processing jobs of API v2 uploads off the request path. A file at fault fails its
 * attachment at once; anything else is retried, and after the last attempt the attachment is
 * marked failed with the last error, so that its owner gets Mastodon's 422 instead of a 206
 * forever.
 */
@Injectable()
export class ProcessWorker {
  private readonly jobs: Jobs;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly attachments: MediaAttachments,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  async start(): Promise<void> {
    // Looked up once at start: a missing ffmpeg or heif-convert is warned about now, not mid-upload.
    await this.attachments.tools.available();
    if (!this.runtime.config.consumeEvents) return;
    await this.jobs.work(processJob, (job, meta) => this.handle(job, meta), {
      maxAttempts: PROCESS_BACKOFF_MS.length + 1,
      backoffMs: PROCESS_BACKOFF_MS,
      // Decoding is CPU-bound: two at once per process keeps the event loop answering.
      concurrency: 2,
      ackWaitMs: 5 * 60_000,
    });
  }

  /** One try of one job: failed for good when the file is at fault or no try is left, else thrown. */
  async handle(
    { id }: PayloadOf<typeof processJob>,
    meta: Pick<JobMeta, 'attempt' | 'maxAttempts'>,
  ): Promise<void> {
    try {
      await this.attachments.process(id);
    } catch (error) {
      if (MediaAttachments.isPermanent(error) || meta.attempt >= meta.maxAttempts) {
        await this.attachments.markFailed(
          id,
          error instanceof Error ? error.message : String(error),
          MediaAttachments.descriptionOf(error),
        );
        return;
      }
      throw error;
    }
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }
}
