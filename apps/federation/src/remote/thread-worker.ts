import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type PayloadOf } from '@mammut/contracts';
import { Jobs, logger, RUNTIME, type Runtime } from '@mammut/platform';
import { ResolveRemoteStatus } from './resolve-remote-status';

const resolveThread = contracts.federation.jobs.resolveThread;

/** Mastodon's ThreadResolveWorker retries 3 times, on Sidekiq's schedule ((n⁴ + 15) s). */
const THREAD_BACKOFF_MS = [1, 2, 3].map((n) => (n ** 4 + 15) * 1000);

/**
 * Works the thread jobs: one parent per job, as Mastodon's ThreadResolveWorker, stored as a
 * status a user asked for (ResolveRemoteStatus), whose own unknown parent is queued with one
 * parent fewer left; a chain ends after THREAD_PARENTS_LIMIT parents. A parent that cannot be
 * had (gone, refused, another author's) ends the walk; a server down is retried.
 */
@Injectable()
export class ThreadWorker {
  private readonly log = logger('federation:threads');
  private readonly jobs: Jobs;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly resolver: ResolveRemoteStatus,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  async start(): Promise<void> {
    if (!this.runtime.config.consumeEvents) return;
    await this.jobs.work(resolveThread, (job) => this.resolve(job), {
      maxAttempts: THREAD_BACKOFF_MS.length + 1,
      backoffMs: THREAD_BACKOFF_MS,
      concurrency: 4,
    });
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  private async resolve({ uri, remaining }: PayloadOf<typeof resolveThread>): Promise<void> {
    try {
      await this.resolver.execute(uri, remaining - 1);
    } catch (error) {
      if (!(error instanceof ContractError) || error.code === 'unavailable') throw error;
      this.log.info({ uri, err: error.message }, 'parent not fetched');
    }
  }
}
