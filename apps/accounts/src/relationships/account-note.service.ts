import { Injectable } from '@nestjs/common';
import { RELATIONSHIP_LIMITS, type RelationshipRecord } from '@mammut/contracts';
import { Validation } from '../profiles/validation';
import { PairChanges } from './pair-change';

/** POST /accounts/:id/note: the viewer's private note on an account; a blank note is removed. */
@Injectable()
export class SetAccountNote {
  constructor(private readonly pairs: PairChanges) {}

  async execute(viewerId: string, targetId: string, comment: string): Promise<RelationshipRecord> {
    const v = new Validation();
    v.maxLength('comment', 'Comment', comment, RELATIONSHIP_LIMITS.noteLength);
    v.noNul('comment', 'Comment', comment);
    v.throwIfInvalid();
    return this.pairs.run(viewerId, targetId, async ({ tx }) => {
      if (comment.trim()) {
        await tx.query(
          `INSERT INTO accounts.account_notes (account_id, target_account_id, comment) VALUES ($1, $2, $3)
           ON CONFLICT (account_id, target_account_id) DO UPDATE SET comment = EXCLUDED.comment, updated_at = now()`,
          [viewerId, targetId, comment],
        );
      } else {
        await tx.query(
          `DELETE FROM accounts.account_notes WHERE account_id = $1 AND target_account_id = $2`,
          [viewerId, targetId],
        );
      }
    });
  }
}
