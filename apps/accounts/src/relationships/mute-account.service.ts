import { Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord, type RequestOf } from '@mammut/contracts';
import { PairChanges } from './pair-change';

type MuteRequest = RequestOf<typeof contracts.accounts.relationships.mute>;
const events = contracts.accounts.relationships.events;

/** POST /accounts/:id/mute: muting again replaces the notification flag and the expiry. */
@Injectable()
export class MuteAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(request: MuteRequest): Promise<RelationshipRecord> {
    const { viewerId, targetId } = request;
    if (viewerId === targetId) throw new ContractError('forbidden', 'This action is not allowed');
    return this.pairs.run(viewerId, targetId, async ({ tx, emit }) => {
      // The database clock sets the expiry so that "expired" is judged by the same clock everywhere.
      const [mute]: { expires_at: Date | null }[] = await tx.query(
        `INSERT INTO accounts.mutes (account_id, target_account_id, hide_notifications, expires_at)
         VALUES ($1, $2, $3, CASE WHEN $4::int > 0 THEN now() + make_interval(secs => $4::int) END)
         ON CONFLICT (account_id, target_account_id) DO UPDATE
           SET hide_notifications = EXCLUDED.hide_notifications, expires_at = EXCLUDED.expires_at, created_at = now()
         RETURNING expires_at`,
        [viewerId, targetId, request.notifications, request.durationSeconds],
      );
      await emit(events.muteCreated, {
        accountId: viewerId,
        targetAccountId: targetId,
        hideNotifications: request.notifications,
        expiresAt: mute.expires_at?.toISOString() ?? null,
      });
    });
  }
}

/** POST /accounts/:id/unmute: idempotent. */
@Injectable()
export class UnmuteAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.pairs.run(
      viewerId,
      targetId,
      async ({ tx, graph, emit }) => {
        if ((await graph.removeEdge(tx, 'mutes', viewerId, targetId)) !== null) {
          await emit(events.muteRemoved, {
            accountId: viewerId,
            targetAccountId: targetId,
            reason: 'unmuted',
          });
        }
      },
      { undo: true },
    );
  }
}
