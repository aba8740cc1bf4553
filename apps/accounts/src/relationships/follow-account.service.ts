import { Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord, type RequestOf } from '@mammut/contracts';
import type { Tx } from './follow-graph.repository';
import { PairChanges } from './pair-change';

type FollowRequest = RequestOf<typeof contracts.accounts.relationships.follow>;

const events = contracts.accounts.relationships.events;
const notAllowed = (): ContractError => new ContractError('forbidden', 'This action is not allowed');

/**
 * POST /accounts/:id/follow. A locked or remote target gets a follow request (a remote follow
 * stays pending until the remote server accepts it); an unlocked local one is followed at once.
 * Calling it again only updates the options of the follow or request that exists.
 */
@Injectable()
export class FollowAccount {
  constructor(private readonly pairs: PairChanges) {}

  async execute(request: FollowRequest): Promise<RelationshipRecord> {
    const { viewerId, targetId } = request;
    if (viewerId === targetId)
      throw new ContractError('forbidden', 'Following your own account is not allowed');
    const languages =
      request.languages === undefined ? undefined : request.languages?.length ? request.languages : null;
    return this.pairs.run(viewerId, targetId, async ({ tx, graph, target, emit }) => {
      if (await graph.isBlockedEitherWay(tx, viewerId, targetId)) throw notAllowed();
      if (target.domain && (await this.domainBlocked(tx, viewerId, target.domain))) throw notAllowed();

      // Re-calling follow: only the options change, on whichever row exists.
      for (const table of ['accounts.follows', 'accounts.follow_requests']) {
        const updated: { id: string }[] = await tx.query(
          `WITH u AS (UPDATE ${table} SET
              show_reblogs = COALESCE($3, show_reblogs),
              notify = COALESCE($4, notify),
              languages = CASE WHEN $5::boolean THEN $6::text[] ELSE languages END
            WHERE account_id = $1 AND target_account_id = $2 RETURNING id)
           SELECT id FROM u`,
          [
            viewerId,
            targetId,
            request.reblogs ?? null,
            request.notify ?? null,
            languages !== undefined,
            languages ?? null,
          ],
        );
        if (updated.length) return;
      }

      const row = {
        from: viewerId,
        to: targetId,
        reblogs: request.reblogs ?? true,
        notify: request.notify ?? false,
        languages: languages ?? null,
      };
      if (target.locked || target.domain !== null) {
        const [pending]: { id: string }[] = await tx.query(
          `INSERT INTO accounts.follow_requests (account_id, target_account_id, show_reblogs, notify, languages)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, target_account_id) DO NOTHING RETURNING id::text`,
          [row.from, row.to, row.reblogs, row.notify, row.languages],
        );
        if (pending) {
          await emit(events.followRequestCreated, {
            requestId: pending.id,
            accountId: viewerId,
            targetAccountId: targetId,
          });
        }
      } else {
        const follow = await graph.addFollow(tx, row);
        if (follow.added) {
          await emit(events.followCreated, {
            followId: follow.id,
            accountId: viewerId,
            targetAccountId: targetId,
          });
        }
      }
    });
  }

  private async domainBlocked(tx: Tx, viewerId: string, domain: string): Promise<boolean> {
    const rows: { found: boolean }[] = await tx.query(
      `SELECT EXISTS (SELECT 1 FROM accounts.account_domain_blocks WHERE account_id = $1 AND domain = lower($2)) AS found`,
      [viewerId, domain],
    );
    return rows[0].found;
  }
}
