import { Inject, Injectable } from '@nestjs/common';
import type { JobDef } from '@mammut/contracts';
import {
  type JobEnqueueOptions,
  type JobHandler,
  Jobs,
  type JobWorkOptions,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import type { z } from 'zod';

/**
 * The timelines service's JetStream jobs: it queues work for itself (fan-out batches, feed
 * rebuilds) and works it in every replica that consumes events. A process hosting the service for
 * one request (`consumeEvents` false) may enqueue but takes no share of the queue.
 */
@Injectable()
export class TimelinesJobs {
  private readonly jobs: Jobs;

  constructor(@Inject(RUNTIME) private readonly runtime: Runtime) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  enqueue<D extends JobDef>(
    def: D,
    payload: z.input<D['payload']>,
    options?: JobEnqueueOptions,
  ): Promise<string> {
    return this.jobs.enqueue(def, payload, options);
  }

  async work<D extends JobDef>(def: D, handler: JobHandler<D>, options: JobWorkOptions): Promise<void> {
    if (this.runtime.config.consumeEvents) await this.jobs.work(def, handler, options);
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }
}
