import { randomUUID } from 'node:crypto';
import type { JobDef, PayloadOf } from '@mammut/contracts';
import { headers as natsHeaders, type JetStreamClient, type JsMsg, type NatsConnection } from 'nats';
import type { z } from 'zod';
import { logger, type Logger } from '../logging/logger';
import { PullWorker } from './pull-worker';
import { together, togetherAwaited } from './together';
import {
  decodeJson,
  encodeJson,
  ensureDurableConsumer,
  ensureStreams,
  errorText,
  headerValue,
  MammutHeaders,
  streamLayout,
  type StreamLayout,
  zodProblems,
} from './streams';

export interface JobMeta {
  readonly jobId: string;
  readonly subject: string;
  /** 1 on the first try. */
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly traceparent?: string;
}

export type JobHandler<D extends JobDef> = (payload: PayloadOf<D>, meta: JobMeta) => Promise<void>;

export interface JobWorkOptions {
  /** Tries before the job goes to the dead-letter stream. */
  readonly maxAttempts: number;
  /** Delay before try n+1 after try n failed: `backoffMs[n-1]`, the last entry repeating. */
  readonly backoffMs: readonly number[];
  /** Jobs run at once by this process; a function is asked before each job (see PullWorker). */
  readonly concurrency?: number | (() => number);
  /** Redelivery after a crash mid-job (counts as an attempt). Longer than the slowest job. */
  readonly ackWaitMs?: number;
}

export interface JobEnqueueOptions {
  /** Makes enqueueing idempotent: the same id within the duplicate window is dropped. */
  readonly jobId?: string;
  readonly traceparent?: string;
}

export interface JobsOptions {
  readonly nats: NatsConnection;
  /** NATS_PREFIX (config `natsPrefix`). */
  readonly prefix: string;
}

export class JobError extends Error {
  override name = 'JobError';
}

/** The delay after a failed attempt (1-based). */
export function backoffFor(attempt: number, backoffMs: readonly number[]): number {
  if (!backoffMs.length) return 0;
  return backoffMs[Math.min(attempt, backoffMs.length) - 1];
}

/** The durable consumer name of a job's workers: subjects have dots, consumer names may not. */
export const jobConsumerName = (def: JobDef): string => def.subject.replace(/[.*>\s]/g, '-');

/**
 * Jobs on a JetStream work queue: retried with the declared backoff (nak with a delay), and after
 * `maxAttempts` moved to the dead-letter stream with the original subject, the attempts and the
 * last error in its headers. A job is removed from the queue only once it succeeded or was moved.
 */
export class Jobs {
  private readonly layout: StreamLayout;
  private readonly js: JetStreamClient;
  private readonly workers: PullWorker[] = [];
  private readonly log = logger('platform:jobs');
  private ensured?: Promise<void>;

  constructor(private readonly options: JobsOptions) {
    this.layout = streamLayout(options.prefix);
    this.js = options.nats.jetstream();
  }

  /** Validates and enqueues a job; resolves when JetStream has stored it. Returns the job id. */
  async enqueue<D extends JobDef>(
    def: D,
    payload: z.input<D['payload']>,
    options: JobEnqueueOptions = {},
  ): Promise<string> {
    if (def.kind !== 'job' || !def.subject.startsWith('jobs.')) {
      throw new JobError(`${def.subject} is not a job declaration`);
    }
    const parsed = def.payload.safeParse(payload);
    if (!parsed.success) {
      throw new JobError(`Invalid payload for ${def.subject}: ${zodProblems(parsed.error)}`);
    }
    await this.ensureStreams();
    const jobId = options.jobId ?? randomUUID();
    const headers = natsHeaders();
    headers.set(MammutHeaders.jobId, jobId);
    if (options.traceparent) headers.set(MammutHeaders.traceparent, options.traceparent);
    await togetherAwaited(() =>
      this.js.publish(this.layout.subject(def.subject), encodeJson(parsed.data), {
        msgID: jobId,
        headers,
        expect: { streamName: this.layout.jobs },
      }),
    );
    return jobId;
  }

  /** Runs `handler` for every job of `def` until `stop()`; replicas share the work. */
  async work<D extends JobDef>(def: D, handler: JobHandler<D>, options: JobWorkOptions): Promise<void> {
    if (options.maxAttempts < 1) throw new JobError('maxAttempts must be at least 1');
    await this.ensureStreams();
    const durable = jobConsumerName(def);
    await ensureDurableConsumer(await this.options.nats.jetstreamManager(), {
      stream: this.layout.jobs,
      durable,
      filterSubject: this.layout.subject(def.subject),
      ackWaitMs: options.ackWaitMs ?? 60_000,
      maxAckPending: 1000,
    });
    const log = this.log.child({ job: def.subject });
    const concurrency = options.concurrency ?? 4;
    const most = typeof concurrency === 'number' ? concurrency : concurrency();
    const worker = new PullWorker(
      this.options.nats,
      { stream: this.layout.jobs, durable, concurrency, batch: most, log },
      (msg) => this.run(def, handler, options, msg, log),
    );
    await worker.start();
    this.workers.push(worker);
  }

  /** Stops every worker after the jobs in hand finished (acked, nak'ed or dead-lettered). */
  async stop(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.stop()));
  }

  private ensureStreams(): Promise<void> {
    this.ensured ??= this.options.nats
      .jetstreamManager()
      .then((jsm) => ensureStreams(jsm, this.layout, ['jobs', 'dead']))
      .catch((error: unknown) => {
        this.ensured = undefined;
        throw error;
      });
    return this.ensured;
  }

  private async run<D extends JobDef>(
    def: D,
    handler: JobHandler<D>,
    options: JobWorkOptions,
    msg: JsMsg,
    log: Logger,
  ): Promise<void> {
    const traceparent = msg.headers?.get(MammutHeaders.traceparent) || undefined;
    const meta: JobMeta = {
      jobId: msg.headers?.get(MammutHeaders.jobId) || `seq-${msg.seq}`,
      subject: def.subject,
      attempt: msg.info.deliveryCount,
      maxAttempts: options.maxAttempts,
      ...(traceparent ? { traceparent } : {}),
    };
    const payload = def.payload.safeParse(decodeJson(msg.data));
    if (!payload.success) {
      // Retrying cannot fix the payload: straight to the dead letters, where it can be looked at.
      await this.deadLetter(msg, meta, `invalid payload: ${zodProblems(payload.error)}`, log);
      return;
    }
    try {
      await handler(payload.data as PayloadOf<D>, meta);
    } catch (error) {
      if (meta.attempt >= options.maxAttempts) {
        await this.deadLetter(msg, meta, errorText(error), log);
      } else {
        const delay = backoffFor(meta.attempt, options.backoffMs);
        log.info(
          { jobId: meta.jobId, attempt: meta.attempt, retryInMs: delay, err: errorText(error) },
          'job failed',
        );
        msg.nak(delay);
      }
      return;
    }
    together(() => msg.ack());
  }

  /**
   * Copies the job to the dead-letter stream and only then removes it from the queue: a crash in
   * between delivers it again, and the copy's msg id (the queue sequence) makes the second copy a
   * duplicate JetStream drops.
   */
  private async deadLetter(msg: JsMsg, meta: JobMeta, lastError: string, log: Logger): Promise<void> {
    const headers = natsHeaders();
    headers.set(MammutHeaders.jobId, meta.jobId);
    headers.set(MammutHeaders.originalSubject, meta.subject);
    headers.set(MammutHeaders.attempts, String(meta.attempt));
    headers.set(MammutHeaders.lastError, headerValue(lastError));
    headers.set(MammutHeaders.failedAt, new Date().toISOString());
    if (meta.traceparent) headers.set(MammutHeaders.traceparent, meta.traceparent);
    try {
      await this.js.publish(this.layout.subject(`dead.${meta.subject}`), msg.data, {
        msgID: `${this.layout.jobs}:${msg.info.streamSequence}`,
        headers,
        expect: { streamName: this.layout.dead },
      });
    } catch (error) {
      log.warn({ jobId: meta.jobId, err: errorText(error) }, 'could not dead-letter job; will retry');
      msg.nak(1000);
      return;
    }
    log.error({ jobId: meta.jobId, attempts: meta.attempt, lastError }, 'job dead-lettered');
    together(() => msg.ack());
  }
}
