import { defineJob } from '@mammut/contracts';
import { z } from 'zod';
import { defaultRetryDelayMs } from './event-consumers';
import { backoffFor, jobConsumerName } from './jobs';
import { headerValue, streamLayout } from './streams';

describe('streamLayout', () => {
  it('prefixes subjects and stream names so instances share one NATS', () => {
    const layout = streamLayout('t_ab12');

    expect(layout.events).toBe('T_AB12_EVENTS');
    expect(layout.jobs).toBe('T_AB12_JOBS');
    expect(layout.dead).toBe('T_AB12_DEAD');
    expect(layout.subject('events.statuses.status.created')).toBe('t_ab12.events.statuses.status.created');
    expect(layout.contractSubject('t_ab12.jobs.media.file.process')).toBe('jobs.media.file.process');
  });

  it('uses bare names without a prefix', () => {
    const layout = streamLayout('');

    expect(layout.events).toBe('EVENTS');
    expect(layout.subject('events.a.b.created')).toBe('events.a.b.created');
    expect(layout.contractSubject('events.a.b.created')).toBe('events.a.b.created');
  });
});

describe('retry delays', () => {
  it('follows the declared job backoff, repeating the last step', () => {
    const backoff = [1000, 5000, 30_000];

    expect([1, 2, 3, 4, 9].map((attempt) => backoffFor(attempt, backoff))).toEqual([
      1000, 5000, 30_000, 30_000, 30_000,
    ]);
    expect(backoffFor(1, [])).toBe(0);
  });

  it('doubles event retries up to a minute', () => {
    expect([1, 2, 3, 7, 20].map(defaultRetryDelayMs)).toEqual([1000, 2000, 4000, 60_000, 60_000]);
  });
});

describe('names and headers', () => {
  it('derives a durable consumer name from a job subject', () => {
    const job = defineJob('jobs.federation.delivery.send', { payload: z.object({}) });

    expect(jobConsumerName(job)).toBe('jobs-federation-delivery-send');
  });

  it('keeps header values on one line', () => {
    expect(headerValue('Error: boom\n    at x\r\n    at y', 20)).toBe('Error: boom     at x');
  });
});
