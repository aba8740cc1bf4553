import { Inject, Injectable } from '@nestjs/common';
import { ContractError, INSTANCE_ACTOR_SIGNER, type RelayRecord, type RelayState } from '@mammut/contracts';
import { CONFIG, type Config, logger } from '@mammut/platform';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { relayFollowOf, relayUnfollowOf } from '../actors/instance-activities';
import { InstanceActor } from '../actors/instance-actor';
import { FEDERATION_DB } from '../database/federation-database';
import { ActivityDelivery } from '../delivery/delivery';
import { DeliveryHealth, hostOf } from '../delivery/delivery-health';

/**
 * How long a replica trusts its copy of the accepted relays: a change made elsewhere (the operator
 * CLI, another replica taking the Accept) applies here within this time; one made here at once.
 */
const RELAYS_TTL_MS = 30_000;

interface Row {
  id: string;
  inbox_url: string;
  follow_activity_id: string;
  state: RelayState;
  actor_uri: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id::text AS id, inbox_url, follow_activity_id, state, actor_uri, created_at, updated_at`;

const toRecord = (row: Row): RelayRecord => ({
  id: row.id,
  inboxUrl: row.inbox_url,
  state: row.state,
  followActivityId: row.follow_activity_id,
  actorUri: row.actor_uri,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/**
 * The relays the instance subscribes to, as Mastodon's Relay: subscribing sends the relay's inbox a
 * Follow of the Public collection from the instance actor and waits for its Accept (or Reject),
 * matched by the Follow's id; unsubscribing sends the Undo of that Follow. Once a relay accepted,
 * every public status (and what becomes of it) is also delivered to its inbox, and what its actor
 * sends is taken as relayed content: only the ids of the objects it passes on are trusted, the
 * objects themselves fetched from their origin.
 */
@Injectable()
export class Relays {
  private readonly log = logger('federation:relays');
  private cached?: { relays: RelayRecord[]; readAt: number };

  constructor(
    @Inject(FEDERATION_DB) private readonly db: DataSource,
    @Inject(CONFIG) private readonly config: Config,
    private readonly instanceActor: InstanceActor,
    private readonly delivery: ActivityDelivery,
    private readonly health: DeliveryHealth,
  ) {}

  async list(): Promise<RelayRecord[]> {
    const rows: Row[] = await this.db.query(`SELECT ${COLUMNS} FROM federation.relays ORDER BY id`);
    return rows.map(toRecord);
  }

  async add(inboxUrl: string): Promise<RelayRecord> {
    const inbox = this.checkedInbox(inboxUrl);
    const followId = `${this.config.publicOrigin}/${randomUUID()}`;
    const rows: Row[] = await this.db.query(
      `INSERT INTO federation.relays (inbox_url, follow_activity_id) VALUES ($1, $2)
       ON CONFLICT (inbox_url) DO NOTHING RETURNING ${COLUMNS}`,
      [inbox, followId],
    );
    if (!rows[0]) throw new ContractError('conflict', `${inbox} is already a relay`);
    this.cached = undefined;
    // The operator vouches for the relay: a host given up on is tried again (Mastodon resets it too).
    await this.health.recordSuccess(hostOf(inbox));
    await this.send(inbox, followId, relayFollowOf(this.instanceActor.id, followId));
    this.log.info({ inbox }, 'relay subscribed');
    return toRecord(rows[0]);
  }

  async remove(inboxUrl: string): Promise<void> {
    const inbox = this.checkedInbox(inboxUrl);
    const rows: Row[] = await this.db.query(
      `WITH removed AS (DELETE FROM federation.relays WHERE inbox_url = $1 RETURNING *)
       SELECT ${COLUMNS} FROM removed`,
      [inbox],
    );
    if (!rows[0]) throw new ContractError('not_found', `${inbox} is not a relay`);
    this.cached = undefined;
    const followId = rows[0].follow_activity_id;
    await this.send(inbox, `${followId}/undo`, relayUnfollowOf(this.instanceActor.id, followId));
    this.log.info({ inbox }, 'relay unsubscribed');
  }

  /**
   * The relay's answer to our Follow `followId`, from `actorUri`: recorded, with the actor that gave
   * it. False when no relay was sent that Follow (the answer is someone else's to read).
   */
  async answered(followId: string, actorUri: string, accepted: boolean): Promise<boolean> {
    const rows: { id: string }[] = await this.db.query(
      `WITH answered AS (
         UPDATE federation.relays SET state = $2, actor_uri = $3, updated_at = now()
         WHERE follow_activity_id = $1 RETURNING id)
       SELECT id::text AS id FROM answered`,
      [followId, accepted ? 'accepted' : 'rejected', actorUri],
    );
    if (!rows[0]) return false;
    this.cached = undefined;
    this.log.info({ actorUri, accepted }, 'relay answered');
    return true;
  }

  /** Whether `actorUri` is a relay that accepted our subscription. */
  async isRelay(actorUri: string): Promise<boolean> {
    return (await this.accepted()).some((relay) => relay.actorUri === actorUri);
  }

  /** The inboxes of the relays that accepted: where public statuses are published. */
  async publishingInboxes(): Promise<string[]> {
    return (await this.accepted()).map((relay) => relay.inboxUrl);
  }

  /**
   * The relays that accepted, from a copy of the small table held for a while: every Announce and
   * every public status asks, and neither should cost a query.
   */
  private async accepted(): Promise<RelayRecord[]> {
    const clock = Date.now();
    if (!this.cached || clock - this.cached.readAt > RELAYS_TTL_MS) {
      const relays = (await this.list()).filter((relay) => relay.state === 'accepted');
      this.cached = { relays, readAt: clock };
    }
    return this.cached.relays;
  }

  private send(inbox: string, activityId: string, activity: Record<string, unknown>): Promise<void> {
    return this.delivery.enqueue(
      { inbox, activity: JSON.stringify(activity), signerAccountId: INSTANCE_ACTOR_SIGNER },
      `relay:${activityId}`,
    );
  }

  /** A URL of the scheme federation speaks (https, http only where a test allows it). */
  private checkedInbox(inboxUrl: string): string {
    let url: URL;
    try {
      url = new URL(inboxUrl.trim());
    } catch {
      throw new ContractError('invalid_request', `${inboxUrl} is not a URL`);
    }
    if (url.protocol !== `${this.config.federation.scheme}:` || url.username || url.password)
      throw new ContractError(
        'invalid_request',
        `${inboxUrl} is not an ${this.config.federation.scheme} inbox URL`,
      );
    url.hash = '';
    return url.href;
  }
}
