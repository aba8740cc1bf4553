import { randomBytes } from 'node:crypto';
import { defineJob } from '@mammut/contracts';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { z } from 'zod';
import { initLogging } from '../logging/logger';
import { DeadLetters } from './dead-letters';
import { JobError, type JobMeta, Jobs } from './jobs';
import { settle } from './settle';
import { streamLayout } from './streams';
import { TestNatsServer } from './test-nats-server';

// Jobs on real JetStream: the run's shared NATS when the global setup started one, else our own.
jest.setTimeout(60_000);

const run = randomBytes(4).toString('hex');
const prefix = `int_jobs_${run}`;
const layout = streamLayout(prefix);

const payload = z.object({ n: z.number().int() });
const alwaysFails = defineJob('jobs.testing.remote.deliver', { payload });
const failsOnce = defineJob('jobs.testing.media.process', { payload });
const neverParses = defineJob('jobs.testing.feed.rebuild', { payload });

let ownNats: TestNatsServer | undefined;
let nc: NatsConnection;
let jsm: JetStreamManager;
let jobs: Jobs;
let deadLetters: DeadLetters;

beforeAll(async () => {
  initLogging('warn');
  let natsUrl = process.env.MAMMUT_TEST_NATS_URL ?? process.env.NATS_URL;
  if (!natsUrl) {
    ownNats = await TestNatsServer.start(`.data/int-jobs-nats-${run}`);
    natsUrl = ownNats.url;
  }
  nc = await connect({ servers: natsUrl });
  jsm = await nc.jetstreamManager();
  jobs = new Jobs({ nats: nc, prefix });
  deadLetters = new DeadLetters({ nats: nc, prefix });
});

afterEach(async () => {
  await jobs.stop();
});

afterAll(async () => {
  for (const stream of [layout.events, layout.jobs, layout.dead]) {
    await jsm?.streams.delete(stream).catch(() => undefined);
  }
  await nc?.close();
  await ownNats?.destroy();
});

const settled = (): Promise<void> => settle({ nats: nc, prefix, timeoutMs: 20_000 });

async function jobsQueued(): Promise<number> {
  return (await jsm.streams.info(layout.jobs)).state.messages;
}

describe('jobs', () => {
  it('moves a job that keeps failing to the dead-letter stream after maxAttempts, with its attempts, and replays it', async () => {
    const tries: Array<{ attempt: number; at: number }> = [];
    let remoteUp = false;
    let delivered = 0;
    await jobs.work(
      alwaysFails,
      (job, meta: JobMeta) => {
        tries.push({ attempt: meta.attempt, at: Date.now() });
        if (!remoteUp) return Promise.reject(new Error(`remote answered 503 for job ${job.n}`));
        delivered += 1;
        return Promise.resolve();
      },
      { maxAttempts: 3, backoffMs: [100, 300] },
    );

    const jobId = await jobs.enqueue(alwaysFails, { n: 7 });
    await settled();

    expect(tries.map((t) => t.attempt)).toEqual([1, 2, 3]);
    expect((tries[1]?.at ?? 0) - (tries[0]?.at ?? 0)).toBeGreaterThanOrEqual(90);
    expect((tries[2]?.at ?? 0) - (tries[1]?.at ?? 0)).toBeGreaterThanOrEqual(290);
    expect(await jobsQueued()).toBe(0);
    const letters = await deadLetters.list({ subject: alwaysFails.subject });
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter?.jobId).toBe(jobId);
    expect(letter?.subject).toBe('jobs.testing.remote.deliver');
    expect(letter?.attempts).toBe(3);
    expect(letter?.lastError).toBe('Error: remote answered 503 for job 7');
    expect(letter?.payload).toEqual({ n: 7 });
    const stored = await jsm.streams.getMessage(layout.dead, { seq: letter?.seq ?? 0 });
    expect(stored.subject).toBe(`${prefix}.dead.jobs.testing.remote.deliver`);

    remoteUp = true;
    await deadLetters.replay(letter?.seq ?? 0);
    await settled();

    expect(delivered).toBe(1);
    expect(tries.at(-1)?.attempt).toBe(1);
    expect(await deadLetters.list({ subject: alwaysFails.subject })).toEqual([]);
  });

  it('runs a job that fails once and then succeeds exactly once, and drops a re-enqueue with the same id', async () => {
    const attempts: number[] = [];
    const done: number[] = [];
    await jobs.work(
      failsOnce,
      (job, meta) => {
        attempts.push(meta.attempt);
        if (meta.attempt === 1) return Promise.reject(new Error('disk full'));
        done.push(job.n);
        return Promise.resolve();
      },
      { maxAttempts: 5, backoffMs: [50] },
    );

    await jobs.enqueue(failsOnce, { n: 1 }, { jobId: 'media-1' });
    await jobs.enqueue(failsOnce, { n: 1 }, { jobId: 'media-1' });
    await settled();

    expect(attempts).toEqual([1, 2]);
    expect(done).toEqual([1]);
    expect(await jobsQueued()).toBe(0);
    expect(await deadLetters.list({ subject: failsOnce.subject })).toEqual([]);
  });

  it('dead-letters a job whose payload does not parse at once, without running the handler', async () => {
    let ran = 0;
    await jobs.work(
      neverParses,
      () => {
        ran += 1;
        return Promise.resolve();
      },
      { maxAttempts: 5, backoffMs: [50] },
    );

    await nc
      .jetstream()
      .publish(layout.subject(neverParses.subject), new TextEncoder().encode('{"n":"seven"}'));
    await settled();

    expect(ran).toBe(0);
    const [letter] = await deadLetters.list({ subject: neverParses.subject });
    expect(letter?.attempts).toBe(1);
    expect(letter?.lastError).toMatch(/^invalid payload/);
    expect(letter?.payload).toEqual({ n: 'seven' });
  });

  it('lists no dead letters where none ever were', async () => {
    const freshPrefix = `${prefix}_fresh`;
    try {
      expect(await new DeadLetters({ nats: nc, prefix: freshPrefix }).list()).toEqual([]);
    } finally {
      const fresh = streamLayout(freshPrefix);
      for (const stream of [fresh.jobs, fresh.dead]) await jsm.streams.delete(stream).catch(() => undefined);
    }
  });

  it('refuses to enqueue a payload that does not match the declaration', async () => {
    await expect(jobs.enqueue(failsOnce, { n: 1.5 })).rejects.toThrow(JobError);
  });
});
