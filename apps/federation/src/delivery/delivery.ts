import { Inject, Injectable } from '@nestjs/common';
import { contracts, type PayloadOf } from '@mammut/contracts';
import { signCavage, signRfc9421 } from '@mammut/activitypub';
import {
  BUS,
  type Bus,
  GuardedHttp,
  Jobs,
  logger,
  OutboundHttpError,
  RUNTIME,
  type Runtime,
} from '@mammut/platform';
import { ActorKeysStore } from '../keys/actor-keys';

const deliver = contracts.federation.jobs.deliver;
type Delivery = PayloadOf<typeof deliver>;

/**
 * Mastodon's delivery retries (ActivityPub::DeliveryWorker, Sidekiq's schedule for 16 retries):
 * about 2–3 days in all, the waits growing with each try.
 */
export const DELIVERY_BACKOFF_MS = Array.from({ length: 16 }, (_, n) => Math.round((n ** 4 + 15) * 1000));

/** A refusal no retry can change (4xx but a timeout or a rate limit). */
const permanent = (status: number): boolean =>
  status >= 400 && status < 500 && status !== 408 && status !== 429;

/**
 * Sends activities to remote inboxes as JetStream jobs: signed by the local actor they are from
 * (draft-cavage first, as Mastodon; RFC 9421 on a 400 or 401, its "double knock"), through the one
 * guarded client, retried on Mastodon's schedule while the peer is away, and given up (logged) when
 * it refuses for good.
 */
@Injectable()
export class ActivityDelivery {
  private readonly log = logger('federation:delivery');
  private readonly jobs: Jobs;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    private readonly http: GuardedHttp,
    private readonly keys: ActorKeysStore,
  ) {
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  async start(): Promise<void> {
    if (!this.runtime.config.consumeEvents) return;
    await this.jobs.work(deliver, (job) => this.send(job), {
      maxAttempts: DELIVERY_BACKOFF_MS.length + 1,
      backoffMs: DELIVERY_BACKOFF_MS,
      concurrency: 8,
    });
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  /** Queues one activity for one inbox; the same `jobId` within JetStream's window is sent once. */
  async enqueue(delivery: Delivery, jobId: string): Promise<void> {
    await this.jobs.enqueue(deliver, delivery, { jobId });
  }

  private async send({ inbox, activity, signerAccountId }: Delivery): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [signerAccountId],
    });
    const signer = actors[0];
    if (!signer || signer.domain !== null) return;
    const { privateKeyPem } = await this.keys.keysOf(signer.id);
    const key = { keyId: `${signer.uri}#main-key`, privateKeyPem };
    const body = Buffer.from(activity);
    const headers = { 'content-type': 'application/activity+json' };
    const request = { method: 'POST', url: inbox, headers, body };
    for (const sign of [signCavage, signRfc9421]) {
      try {
        await this.http.send(inbox, { method: 'POST', body, headers: { ...headers, ...sign(request, key) } });
        return;
      } catch (error) {
        if (!(error instanceof OutboundHttpError) || error.code !== 'bad_status') throw error;
        const status = error.status ?? 0;
        if (sign === signCavage && (status === 400 || status === 401)) continue;
        if (permanent(status)) {
          this.log.info({ inbox, status }, 'delivery refused; not retried');
          return;
        }
        throw error;
      }
    }
  }
}
