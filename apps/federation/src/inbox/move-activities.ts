import { Inject, Injectable } from '@nestjs/common';
import { type ActorRecord, ContractError, contracts } from '@mammut/contracts';
import { BUS, type Bus, logger, RUNTIME, type Runtime } from '@mammut/platform';
import { PeerUnavailable, RemoteActors } from '../remote/remote-actors';
import { idOf, type Json } from './activity-fields';
import type { InboxHandler } from './inbox-handler';

/** One Move per account is applied in this time (Mastodon's `move_in_progress` lock). */
const MOVE_COOLDOWN_SECONDS = 7 * 24 * 3600;

/** The Redis key that marks an account's Move as in progress. */
export const moveInProgressKey = (accountId: string): string => `federation:move_in_progress:${accountId}`;

/**
 * A remote account moving (ActivityPub::Activity::Move): only the account itself can say it
 * (`object` is the sender), the target is read from its own server now, never from a copy, and
 * must name the sender in `alsoKnownAs`, proof that it agreed. One Move per account goes through
 * per week, so a server cannot bounce followers around. Then accounts marks it moved and its
 * local followers follow the target. A Move that fails the checks changes nothing.
 */
@Injectable()
export class MoveActivities implements InboxHandler {
  readonly routes = ['Move'];
  private readonly log = logger('federation:inbox');

  constructor(
    @Inject(RUNTIME) private readonly runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    private readonly actors: RemoteActors,
  ) {}

  async apply(activity: Json, actorId: string): Promise<void> {
    const targetUri = idOf(activity.target);
    if (idOf(activity.object) !== actorId || !targetUri || targetUri === actorId) return;
    const origin = await this.byUri(actorId);
    if (!origin || origin.domain === null) return;
    if (!(await this.claim(origin.id))) {
      this.log.info({ actorId }, 'move ignored: one is in progress');
      return;
    }
    try {
      const target = await this.freshTarget(targetUri);
      if (!target || target.suspended || !target.alsoKnownAs.includes(origin.uri)) {
        this.log.info({ actorId, targetUri }, 'move refused: the target does not name the account');
        await this.release(origin.id);
        return;
      }
      await this.bus.request(contracts.accounts.migration.moveRemoteAccount, {
        accountId: origin.id,
        targetAccountId: target.id,
      });
    } catch (error) {
      await this.release(origin.id);
      if (
        error instanceof PeerUnavailable ||
        (error instanceof ContractError && error.code !== 'unavailable')
      ) {
        this.log.info({ actorId, targetUri, err: error.message }, 'move not applied');
        return;
      }
      throw error;
    }
  }

  /** A local target as it is; a remote one fetched from its server first. */
  private async freshTarget(uri: string): Promise<ActorRecord | undefined> {
    const known = await this.byUri(uri);
    if (known && known.domain === null) return known;
    if (!(await this.actors.reload(uri))) return undefined;
    return this.byUri(uri);
  }

  private async byUri(uri: string): Promise<ActorRecord | undefined> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActorsByUri, { uris: [uri] });
    return actors.find((actor) => actor.uri === uri);
  }

  private async claim(accountId: string): Promise<boolean> {
    const set = await this.runtime.redis.set(
      moveInProgressKey(accountId),
      '1',
      'EX',
      MOVE_COOLDOWN_SECONDS,
      'NX',
    );
    return set === 'OK';
  }

  private async release(accountId: string): Promise<void> {
    await this.runtime.redis.del(moveInProgressKey(accountId));
  }
}
