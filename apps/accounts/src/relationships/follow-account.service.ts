import { Inject, Injectable } from '@nestjs/common';
import { ContractError, contracts, type RelationshipRecord, type RequestOf } from '@mammut/contracts';
import { CONFIG, type Config } from '@mammut/platform';
import { randomUUID } from 'node:crypto';
import type { Tx } from './follow-graph.repository';
import { PairChanges } from './pair-change';

type FollowRequest = RequestOf<typeof contracts.accounts.relationships.follow>;

const events = contracts.accounts.relationships.events;
const notAllowed = (): ContractError => new ContractError('forbidden', 'This action is not allowed');

/**
 * POST /accounts/:id/follow, and a remote account's Follow recorded by federation. A locked or
 * remote target, or a limited follower, gets a follow request: a follow of a remote account stays pending until its
 * server accepts it (Mastodon's FollowService), and follow_request.created is the Follow that
 * federation delivers. An unlocked local target is followed at once. Calling it again only
 * updates the options (and, from a remote follower, the Follow id) of the row that exists.
 */
@Injectable()
export class FollowAccount {
  constructor(
    private readonly pairs: PairChanges,
    @Inject(CONFIG) private readonly config: Config,
  ) {}

  async execute(request: FollowRequest): Promise<RelationshipRecord> {
    const { viewerId, targetId } = request;
    if (viewerId === targetId)
      throw new ContractError('forbidden', 'Following your own account is not allowed');
    const languages =
      request.languages === undefined ? undefined : request.languages?.length ? request.languages : null;
    return this.pairs.run(viewerId, targetId, async ({ tx, graph, viewer, target, emit }) => {
      // Our own follows get a Follow id here (Mastodon's `<root>/<uuid>`); a remote follower's is its server's.
      if (viewer.domain === null && request.uri !== undefined) {
        throw new ContractError('invalid_request', 'A local follow has no remote Follow id');
      }
      if (viewer.domain !== null && request.uri === undefined) {
        throw new ContractError('invalid_request', "A remote follow needs its Follow's id");
      }
      // Two remote accounts follow each other on their own servers, not here.
      if (viewer.domain !== null && target.domain !== null) throw notAllowed();
      if (await graph.isBlockedEitherWay(tx, viewerId, targetId)) throw notAllowed();
      if (target.domain && (await this.domainBlocked(tx, viewerId, target.domain))) throw notAllowed();
      if (viewer.domain && (await this.domainBlocked(tx, targetId, viewer.domain))) throw notAllowed();

      // Re-calling follow: only the options change, on whichever row exists.
      for (const table of ['accounts.follows', 'accounts.follow_requests']) {
        const updated: { id: string }[] = await tx.query(
          `WITH u AS (UPDATE ${table} SET
              show_reblogs = COALESCE($3, show_reblogs),
              notify = COALESCE($4, notify),
              languages = CASE WHEN $5::boolean THEN $6::text[] ELSE languages END,
              uri = COALESCE($7, uri)
            WHERE account_id = $1 AND target_account_id = $2 RETURNING id)
           SELECT id FROM u`,
          [
            viewerId,
            targetId,
            request.reblogs ?? null,
            request.notify ?? null,
            languages !== undefined,
            languages ?? null,
            request.uri ?? null,
          ],
        );
        if (updated.length) return;
      }
      // Mastodon refuses new follows of an account that has moved (its followers move with it).
      if (target.moved) throw notAllowed();

      const row = {
        from: viewerId,
        to: targetId,
        reblogs: request.reblogs ?? true,
        notify: request.notify ?? false,
        languages: languages ?? null,
        uri: request.uri ?? `${this.config.publicOrigin}/${randomUUID()}`,
      };
      const pair = { accountId: viewerId, targetAccountId: targetId, uri: row.uri };
      // A limited follower asks, whoever it follows (Mastodon's FollowService and Follow handler).
      if (target.locked || target.domain !== null || viewer.silenced) {
        const [pending]: { id: string }[] = await tx.query(
          `INSERT INTO accounts.follow_requests (account_id, target_account_id, show_reblogs, notify, languages, uri)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (account_id, target_account_id) DO NOTHING RETURNING id::text`,
          [row.from, row.to, row.reblogs, row.notify, row.languages, row.uri],
        );
        if (pending) await emit(events.followRequestCreated, { requestId: pending.id, ...pair });
      } else {
        const follow = await graph.addFollow(tx, row);
        if (follow.added) await emit(events.followCreated, { followId: follow.id, ...pair });
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
