import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord, type RequestOf } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph } from './follow-graph.repository';
import { RelationshipsQueries } from './relationships.queries';

type MuteRequest = RequestOf<typeof contracts.accounts.relationships.mute>;
const events = contracts.accounts.relationships.events;

/** POST /accounts/:id/mute: muting again replaces the notification flag and the expiry. */
@Injectable()
export class MuteAccount {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(request: MuteRequest): Promise<RelationshipRecord> {
    const { viewerId, targetId } = request;
    if (viewerId === targetId) throw new ContractError('forbidden', 'This action is not allowed');
    return this.graph.transaction(async (tx) => {
      await this.graph.parties(tx, viewerId, targetId);
      // The database clock sets the expiry so that "expired" is judged by the same clock everywhere.
      const [mute]: { expires_at: Date | null }[] = await tx.query(
        `INSERT INTO accounts.mutes (id, account_id, target_account_id, hide_notifications, expires_at)
         VALUES ($1, $2, $3, $4, CASE WHEN $5::int > 0 THEN now() + make_interval(secs => $5::int) END)
         ON CONFLICT (account_id, target_account_id) DO UPDATE
           SET hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at, created_at = now()
         RETURNING expires_at`,
        [this.graph.nextId(), viewerId, targetId, request.notifications, request.durationSeconds],
      );
      await this.outbox.add(tx, events.muteCreated, {
        accountId: viewerId,
        targetAccountId: targetId,
        hideNotifications: request.notifications,
        expiresAt: mute.expires_at?.toISOString() ?? null,
      });
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}

/** POST /accounts/:id/unmute: idempotent. */
@Injectable()
export class UnmuteAccount {
  constructor(
    private readonly graph: FollowGraph,
    private readonly queries: RelationshipsQueries,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.graph.transaction(async (tx) => {
      await this.graph.parties(tx, viewerId, targetId);
      const removed: { id: string }[] = await tx.query(
        `WITH removed AS (DELETE FROM accounts.mutes WHERE account_id = $1 AND target_account_id = $2 RETURNING id)
         SELECT id FROM removed`,
        [viewerId, targetId],
      );
      if (removed.length) {
        await this.outbox.add(tx, events.muteRemoved, { accountId: viewerId, targetAccountId: targetId });
      }
      return this.queries.one(viewerId, targetId, tx);
    });
  }
}
