import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { Jobs, RUNTIME, type Runtime } from '@mammut/platform';

const resolveThread = contracts.federation.jobs.resolveThread;

/**
 * Queues the fetch of a status a stored reply answers (`jobs.federation.thread.resolve`). A job,
 * not a fetch inline: the inbox answers its peer before any of the thread is fetched, and a
 * server that is down is asked again later. Each status is queued once within JetStream's
 * duplicate window, however many replies to it arrive.
 */
@Injectable()
export class ThreadQueue {
  private readonly jobs: Jobs;

  constructor(@Inject(RUNTIME) runtime: Runtime) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  async enqueue(uri: string, remaining: number): Promise<void> {
    await this.jobs.enqueue(resolveThread, { uri, remaining }, { jobId: `thread:${uri}` });
  }
}
