import { Injectable } from '@nestjs/common';
import { RELATIONSHIP_LIMITS, type RelationshipRecord } from '@mammut/contracts';
import { Validation } from '../profiles/validation';
import { PairChanges } from './pair-change';

/** POST /accounts/:id/endorse: feature an account the viewer follows on the viewer's profile. */
@Injectable()
export class EndorseAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.pairs.run(viewerId, targetId, async ({ tx, graph }) => {
      // Locking the viewer with itself serializes its endorsements, so the limit cannot be raced
      // past. Always taken after the pair lock, so two endorsements cannot wait on each other.
      await graph.lockPair(tx, viewerId, viewerId);
      const [state]: { following: boolean; endorsed: boolean; count: string }[] = await tx.query(
        `SELECT EXISTS (SELECT 1 FROM accounts.follows WHERE account_id = $1 AND target_account_id = $2) AS following,
                EXISTS (SELECT 1 FROM accounts.account_endorsements WHERE account_id = $1 AND target_account_id = $2) AS endorsed,
                (SELECT count(*) FROM accounts.account_endorsements WHERE account_id = $1) AS count`,
        [viewerId, targetId],
      );
      if (!state.endorsed) {
        const v = new Validation();
        if (!state.following) {
          v.add('base', 'ERR_INVALID', 'You must be already following the person you want to endorse');
        } else if (Number(state.count) >= RELATIONSHIP_LIMITS.endorsements) {
          v.add(
            'base',
            'ERR_TOO_LONG',
            `You cannot endorse more than ${RELATIONSHIP_LIMITS.endorsements} accounts`,
          );
        }
        v.throwIfInvalid();
        await tx.query(
          `INSERT INTO accounts.account_endorsements (account_id, target_account_id) VALUES ($1, $2)
           ON CONFLICT (account_id, target_account_id) DO NOTHING`,
          [viewerId, targetId],
        );
      }
    });
  }
}

/** POST /accounts/:id/unendorse: idempotent. */
@Injectable()
export class UnendorseAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string): Promise<RelationshipRecord> {
    return this.pairs.run(
      viewerId,
      targetId,
      async ({ tx }) => {
        await tx.query(
          `DELETE FROM accounts.account_endorsements WHERE account_id = $1 AND target_account_id = $2`,
          [viewerId, targetId],
        );
      },
      { undo: true },
    );
  }
}
