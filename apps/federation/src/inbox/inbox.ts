import { Inject, Injectable } from '@nestjs/common';
import { contracts, type RawHttpRequest, type RawHttpResponse } from '@mammut/contracts';
import { Jobs, logger, RUNTIME, type Runtime } from '@mammut/platform';
import { createHash } from 'node:crypto';
import { DeliveryHealth, hostOf } from '../delivery/delivery-health';
import { DomainBlocks } from '../domain-blocks/domain-blocks';
import { answer } from '../http/responses';
import { SignedRequests } from '../http/signed-requests';
import { Relays } from '../relays/relays';
import { RemoteActors } from '../remote/remote-actors';
import { depthOf, idOf, type Json } from './activity-fields';
import { INBOX_HANDLERS, type InboxHandler, routeOf } from './inbox-handler';

/** Nesting deeper than this in an activity is refused unread (Mastodon's JSON has a few levels). */
const MAX_DEPTH = 32;

const processActivity = contracts.federation.jobs.process;

/** Mastodon's ProcessingWorker retries 8 times, on Sidekiq's schedule. */
/**
 * Activities worked off at once: as many as keep the services busy when the inbox is quiet, few
 * while it is taking many (more than INTAKE_BUSY requests in hand), so that senders are answered
 * at once and the queue, not their retries, absorbs a burst (the work waits in JetStream).
 */
const PROCESSING_CONCURRENCY = 16;
const PROCESSING_WHILE_BUSY = 1;
const INTAKE_BUSY = 4;

const PROCESSING_BACKOFF_MS = Array.from({ length: 8 }, (_, n) => Math.round(((n + 1) ** 4 + 15) * 1000));

/**
 * One activity is processed once: a peer retrying a delivery we took (its connection dropped
 * before our 202) sends the same id, or for an activity without one (Add, Remove) the same bytes.
 */
const jobIdOf = (actorId: string, activity: Json, body: Buffer): string =>
  `activity:${createHash('sha256')
    .update(typeof activity.id === 'string' ? `${actorId}\n${activity.id}` : body)
    .digest('base64url')}`;

/**
 * What a relay forwards on someone else's behalf (a Create or Announce signed by the relay, with
 * the author's Linked Data signature, which is not verified here): read as the relay announcing
 * the object it carries, whose id alone is kept; the object is fetched from its origin. Anything
 * else a relay forwards (Update, Delete) is accepted and dropped.
 */
function relayedObjectOf(activity: Json): Json | undefined {
  if (activity.type !== 'Create' && activity.type !== 'Announce') return undefined;
  const object = idOf(activity.object);
  return object ? { type: 'Announce', object } : undefined;
}

/**
 * The personal and shared inboxes: what a peer POSTs is read as JSON, its HTTP signature verified
 * on the exact bytes and headers that arrived (refetching the actor once when its key may have
 * rotated), and its actor must be the signer. Then it is queued (`jobs.federation.activity.process`)
 * and answered 202, as Mastodon's inbox hands activities to Sidekiq: the handlers of its route
 * apply it off the request path, retried while a peer or a service is away; a type no handler
 * takes is accepted and ignored, never an error. A relay we subscribe to may sign what others
 * wrote: it is taken as the relay passing on the object's id (relayedObjectOf). 202 for anything
 * taken (and, unverified, for an unknown actor deleting or updating itself), 401 for a signature that does
 * not hold, 400 for what is not an activity, 403 for an actor or signer on a suspended domain
 * (before any key fetch, as Mastodon), 503 when the signer's server cannot be asked now.
 */
@Injectable()
export class Inbox {
  private readonly log = logger('federation:inbox');
  private readonly routes = new Map<string, InboxHandler[]>();
  private readonly jobs: Jobs;
  /** Inbox requests in hand. */
  private intake = 0;

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    private readonly signatures: SignedRequests,
    private readonly actors: RemoteActors,
    private readonly blocks: DomainBlocks,
    private readonly health: DeliveryHealth,
    private readonly relays: Relays,
    @Inject(INBOX_HANDLERS) handlers: InboxHandler[],
  ) {
    for (const handler of handlers)
      for (const route of handler.routes)
        this.routes.set(route, [...(this.routes.get(route) ?? []), handler]);
    this.jobs = new Jobs({ nats: runtime.nats, prefix: runtime.config.natsPrefix });
  }

  async receive(request: RawHttpRequest): Promise<RawHttpResponse> {
    this.intake += 1;
    try {
      return await this.take(request);
    } finally {
      this.intake -= 1;
    }
  }

  private async take(request: RawHttpRequest): Promise<RawHttpResponse> {
    const body = Buffer.from(request.body ?? '', 'base64');
    let activity: Json;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
        return answer(400, 'Not an activity');
      activity = parsed as Json;
    } catch {
      return answer(400, 'Body is not JSON');
    }
    if (depthOf(activity, MAX_DEPTH) > MAX_DEPTH) return answer(400, 'Activity nested too deep');
    const type = typeof activity.type === 'string' ? activity.type : undefined;
    const actorId = idOf(activity.actor);
    if (!type || !actorId) return answer(400, 'Not an activity');
    // As Mastodon: nothing from a suspended domain is read further, its key never fetched.
    if (await this.blocks.suspendsUrl(actorId)) return answer(403, 'The actor’s domain is not allowed');
    if (await this.aboutUnknownActor(type, activity, actorId)) return answer(202);

    const signed = await this.signatures.signer(request, body);
    if (!signed.ok) return signed.refusal;
    let job = { actorId, activity };
    if (signed.actorUri !== actorId) {
      if (!(await this.relays.isRelay(signed.actorUri)))
        return answer(401, 'The activity’s actor did not sign it');
      const relayed = relayedObjectOf(activity);
      if (!relayed) return answer(202);
      job = { actorId: signed.actorUri, activity: relayed };
    }
    // A server that signs requests to us is up (Mastodon's track_inverse_success!).
    await this.health.heardFrom(hostOf(job.actorId));

    try {
      await this.jobs.enqueue(processActivity, job, { jobId: jobIdOf(job.actorId, job.activity, body) });
    } catch (error) {
      // Near the 1 MB limit, the activity and its envelope may not fit one message.
      if (error instanceof Error && /max_payload|MAX_PAYLOAD|payload/i.test(error.message))
        return answer(413, 'Activity too large');
      throw error;
    }
    return answer(202);
  }

  /** Works off the activities the inbox took (unless this process only serves requests). */
  async start(): Promise<void> {
    if (!this.runtime.config.consumeEvents) return;
    await this.jobs.work(processActivity, ({ actorId, activity }) => this.process(actorId, activity), {
      maxAttempts: PROCESSING_BACKOFF_MS.length + 1,
      backoffMs: PROCESSING_BACKOFF_MS,
      concurrency: () => (this.intake > INTAKE_BUSY ? PROCESSING_WHILE_BUSY : PROCESSING_CONCURRENCY),
    });
  }

  stop(): Promise<void> {
    return this.jobs.stop();
  }

  private async process(actorId: string, activity: Json): Promise<void> {
    if (typeof activity.type !== 'string') return;
    // The domain may have been suspended while the activity waited.
    if (await this.blocks.suspendsUrl(actorId)) return;
    await this.apply(activity.type, activity, actorId);
  }

  /**
   * An actor we never knew deleting or updating itself: accepted unverified and dropped, as
   * Mastodon does, since verifying would fetch an actor that is gone (a server deleting its
   * accounts sends this to every inbox it knows) and there is nothing here to change.
   */
  private async aboutUnknownActor(type: string, activity: Json, actorId: string): Promise<boolean> {
    if ((type !== 'Delete' && type !== 'Update') || idOf(activity.object) !== actorId) return false;
    return !(await this.actors.isKnown(actorId));
  }

  /**
   * Hands the activity to the handlers of its route, in the order they were provided; one nobody
   * takes is accepted and dropped. A route may have several: an Undo naming its object by id alone
   * could be of a boost or of a follow, and each handler undoes only what the sender made.
   */
  private async apply(type: string, activity: Json, actorId: string): Promise<void> {
    const route = routeOf(type, activity.object, actorId);
    const handlers = this.routes.get(route);
    if (!handlers) {
      this.log.debug({ route, actorId }, 'activity not handled; accepted');
      return;
    }
    for (const handler of handlers) await handler.apply(activity, actorId);
  }
}
