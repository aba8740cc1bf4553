import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import { Validation } from '../profiles/validation';
import { asciiDomain } from '../remote/domains';
import { ACCOUNTS_OUTBOX } from './accounts-outbox';
import { FollowGraph } from './follow-graph.repository';

const events = contracts.accounts.relationships.events;

/**
 * A user-typed domain as stored: trimmed, lower-case, IDNA to punycode, an optional port kept
 * (development peers listen on ports). Schemes, paths, credentials and wildcards are refused
 * rather than guessed at, so what is blocked is exactly what the user sees listed.
 */
export function normalizeDomain(input: string): string {
  const domain = asciiDomain(input);
  if (domain) return domain;
  const v = new Validation();
  v.add('domain', 'ERR_INVALID', 'Domain is not a valid domain name');
  v.throwIfInvalid();
  throw new Error('unreachable');
}

/** POST /domain_blocks: hides the domain from the viewer and drops the viewer's followers there. */
@Injectable()
export class BlockDomain {
  constructor(
    private readonly graph: FollowGraph,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, input: string): Promise<{ domain: string }> {
    const domain = normalizeDomain(input);
    await this.graph.transaction(async (tx) => {
      const inserted: { id: string }[] = await tx.query(
        `INSERT INTO accounts.account_domain_blocks (account_id, domain) VALUES ($1, $2)
         ON CONFLICT (account_id, domain) DO NOTHING RETURNING id`,
        [viewerId, domain],
      );
      if (inserted.length)
        await this.outbox.add(tx, events.domainBlockCreated, { accountId: viewerId, domain });
      const onDomain = `IN (SELECT id FROM accounts.accounts WHERE domain = $2)`;
      const removed = await this.graph.removeFollows(
        tx,
        `f.target_account_id = $1 AND f.account_id ${onDomain}`,
        [viewerId, domain],
      );
      for (const follow of removed) {
        await this.outbox.add(tx, events.followRemoved, {
          accountId: follow.account_id,
          targetAccountId: viewerId,
          reason: 'domain_blocked',
          uri: follow.uri,
        });
      }
      const rejected = await this.graph.removeRequests(
        tx,
        `r.target_account_id = $1 AND r.account_id ${onDomain}`,
        [viewerId, domain],
      );
      for (const request of rejected) {
        await this.outbox.add(tx, events.followRequestRejected, {
          accountId: request.account_id,
          targetAccountId: viewerId,
          reason: 'domain_blocked',
          uri: request.uri,
        });
      }
    });
    return { domain };
  }
}

/** DELETE /domain_blocks: idempotent. */
@Injectable()
export class UnblockDomain {
  constructor(
    private readonly graph: FollowGraph,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, input: string): Promise<{ domain: string }> {
    const domain = normalizeDomain(input);
    await this.graph.transaction(async (tx) => {
      const removed: { id: string }[] = await tx.query(
        `WITH removed AS (DELETE FROM accounts.account_domain_blocks WHERE account_id = $1 AND domain = $2 RETURNING id)
         SELECT id FROM removed`,
        [viewerId, domain],
      );
      if (removed.length)
        await this.outbox.add(tx, events.domainBlockRemoved, { accountId: viewerId, domain });
    });
    return { domain };
  }
}
