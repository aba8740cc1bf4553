import { Inject, Injectable } from '@nestjs/common';
import { contracts, INSTANCE_ACTOR_SIGNER, type PayloadOf } from '@mammut/contracts';
import { signCavage, signRfc9421, type SigningKey } from '@mammut/activitypub';
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
import { InstanceActor } from '../actors/instance-actor';
import { DomainBlocks } from '../domain-blocks/domain-blocks';
import { ActorKeysStore } from '../keys/actor-keys';
import { DeliveryHealth, hostOf } from './delivery-health';

const deliver = contracts.federation.jobs.deliver;
type Delivery = PayloadOf<typeof deliver>;

/**
 * Mastodon's delivery retries (ActivityPub::DeliveryWorker, Sidekiq's schedule for 16 retries):
 * about 2–3 days in all, the waits growing with each try.
 */
export const DELIVERY_BACKOFF_MS = Array.from({ length: 16 }, (_, n) => Math.round((n ** 4 + 15) * 1000));

/**
 * A failure a later try may not meet: the peer is away, slow, overloaded, rate limiting, or not
 * (yet) taking our key. Other 4xx and 501 are refusals no retry changes (Mastodon's
 * response_error_unsalvageable?), as are addresses and URLs we may not reach.
 */
const retryable = (error: OutboundHttpError): boolean => {
  if (error.code === 'timeout' || error.code === 'network') return true;
  if (error.code !== 'bad_status') return false;
  const status = error.status ?? 0;
  return (status >= 500 && status !== 501) || [401, 408, 429].includes(status);
};

/** The host's circuit is open: the job waits for its next try without a request. */
export class CircuitOpen extends Error {
  constructor(host: string) {
    super(`circuit open for ${host}`);
    this.name = 'CircuitOpen';
  }
}

/**
 * Sends activities to remote inboxes as JetStream jobs: signed by the local actor they are from, or
 * by the instance actor for relay subscriptions (draft-cavage first, as Mastodon; RFC 9421 on a
 * 400 or 401, its "double knock"), through the one
 * guarded client, retried on Mastodon's schedule while the peer is away, and given up (logged) when
 * it refuses for good. DeliveryHealth keeps each host's circuit and failure days: nothing is queued
 * for or sent to an unavailable host or a suspended domain, and an open circuit defers a job
 * without a request.
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
    private readonly health: DeliveryHealth,
    private readonly blocks: DomainBlocks,
    private readonly instanceActor: InstanceActor,
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

  /**
   * Queues one activity for one inbox; the same `jobId` within JetStream's window is sent once. An
   * inbox on an unavailable host is skipped, as Mastodon leaves such inboxes out of its fan-out,
   * and so is one on a suspended domain.
   */
  async enqueue(delivery: Delivery, jobId: string): Promise<void> {
    const host = hostOf(delivery.inbox);
    if (!(await this.health.isAvailable(host))) {
      this.log.debug({ inbox: delivery.inbox }, 'host unavailable; not queued');
      return;
    }
    if (await this.blocks.isSuspended(host)) {
      this.log.debug({ inbox: delivery.inbox }, 'domain suspended; not queued');
      return;
    }
    await this.jobs.enqueue(deliver, delivery, { jobId });
  }

  /**
   * The same activity to each inbox, one job apiece keyed `<key>:<inbox>`, so that a redelivered
   * event sends nothing twice.
   */
  async enqueueEach(
    inboxes: Iterable<string>,
    activity: string,
    signerAccountId: string,
    key: string,
  ): Promise<void> {
    for (const inbox of inboxes) await this.enqueue({ inbox, activity, signerAccountId }, `${key}:${inbox}`);
  }

  private async send({ inbox, activity, signerAccountId }: Delivery): Promise<void> {
    const host = hostOf(inbox);
    if (!(await this.health.isAvailable(host))) {
      this.log.info({ inbox }, 'host became unavailable; delivery dropped');
      return;
    }
    // Queued before the domain was suspended: never sent.
    if (await this.blocks.isSuspended(host)) {
      this.log.info({ inbox }, 'domain suspended; delivery dropped');
      return;
    }
    if (await this.health.circuitOpen(host)) {
      await this.health.recordFailureDay(host);
      throw new CircuitOpen(host);
    }
    const key = await this.signingKey(signerAccountId);
    if (!key) return;
    try {
      await this.post(inbox, Buffer.from(activity), key);
    } catch (error) {
      if (!(error instanceof OutboundHttpError)) throw error;
      if (retryable(error)) {
        await this.health.recordFailure(host);
        throw error;
      }
      this.log.info({ inbox, err: error.message }, 'delivery refused; not retried');
      // A refusal is an answer: the server is up.
      if (error.code === 'bad_status') await this.health.recordSuccess(host);
      return;
    }
    await this.health.recordSuccess(host);
  }

  /** The key of the local account (none when it is gone) or of the instance actor. */
  private async signingKey(signerAccountId: string): Promise<SigningKey | undefined> {
    if (signerAccountId === INSTANCE_ACTOR_SIGNER) return this.instanceActor.signingKey();
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [signerAccountId],
    });
    const signer = actors[0];
    if (!signer || signer.domain !== null) return undefined;
    const { privateKeyPem } = await this.keys.keysOf(signer.id);
    return { keyId: `${signer.uri}#main-key`, privateKeyPem };
  }

  /** POSTs the activity signed draft-cavage, and once more signed RFC 9421 when that is refused with 400 or 401. */
  private async post(inbox: string, body: Buffer, key: SigningKey): Promise<void> {
    const headers = { 'content-type': 'application/activity+json' };
    const request = { method: 'POST', url: inbox, headers, body };
    try {
      await this.http.send(inbox, {
        method: 'POST',
        body,
        headers: { ...headers, ...signCavage(request, key) },
      });
    } catch (error) {
      const doubleKnock =
        error instanceof OutboundHttpError &&
        error.code === 'bad_status' &&
        (error.status === 400 || error.status === 401);
      if (!doubleKnock) throw error;
      await this.http.send(inbox, {
        method: 'POST',
        body,
        headers: { ...headers, ...signRfc9421(request, key) },
      });
    }
  }
}
