import { Inject, Injectable } from '@nestjs/common';
import { contracts, type DomainBlockSeverity, type EventDef } from '@mammut/contracts';
import {
  EventSubscriber,
  logger,
  on,
  type Outbox,
  RUNTIME,
  type Runtime,
  type Subscription,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { ACCOUNTS_DB, ACCOUNTS_SCHEMA } from '../database/accounts-database';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { FollowGraph, type Tx } from '../relationships/follow-graph.repository';

const events = { ...contracts.accounts.admin.events, ...contracts.accounts.relationships.events };

/** Accounts changed per transaction. */
const BATCH = 500;

/**
 * The accounts of a blocked domain: its own and its subdomains' (`$1`, with the port a block may
 * name; a block without a port covers every port), as Mastodon's `by_domain_and_subdomains`.
 */
const ON_DOMAIN = `a.domain IS NOT NULL AND (
  a.domain = $1 OR right(a.domain, length($1) + 1) = '.' || $1
  OR (position(':' in $1) = 0 AND (split_part(a.domain, ':', 1) = $1
      OR right(split_part(a.domain, ':', 1), length($1) + 1) = '.' || $1)))`;

interface Step {
  /** Which of the domain's accounts the step changes (`$2` is the block's creation time). */
  readonly where: string;
  readonly set: string;
  readonly event: EventDef;
  /** More work on each batch changed, in its transaction. */
  readonly then?: (tx: Tx, ids: string[]) => Promise<void>;
}

/**
 * What an instance domain block does to the domain's accounts (Mastodon's BlockDomainService and
 * UnblockDomainService), applied when federation says a block was created, changed or lifted:
 * - `silence` limits every account of the domain not limited yet, marking it with the block's
 *   creation time; `suspend` suspends them the same way and severs every follow and follow
 *   request between them and local accounts (nothing is sent: the domain is cut off);
 * - a severity that no longer applies (changed, or the block lifted) is lifted from the accounts
 *   that carry the block's time only, so an account a moderator sanctioned on its own stays so.
 *   Severed follows are not restored, as in Mastodon.
 * Each account changed gets its own event; doing it all again changes nothing.
 */
@Injectable()
export class DomainSanctions extends EventSubscriber {
  private readonly log = logger('accounts:domain-blocks');

  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(ACCOUNTS_DB) db: DataSource,
    private readonly graph: FollowGraph,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {
    super(runtime, { schema: ACCOUNTS_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'accounts-domain-blocks',
        handlers: [
          on(
            contracts.federation.domainBlocks.events.domainBlockChanged,
            async ({ domain, severity, since }) => {
              await this.apply(domain, severity, since);
            },
          ),
        ],
      },
    ];
  }

  /** Applies the block's severity (null: lifted) to the domain's accounts; how many changed. */
  async apply(domain: string, severity: DomainBlockSeverity | null, since: string): Promise<number> {
    const steps: Step[] = [];
    if (severity !== 'silence') {
      steps.push({ where: 'a.silenced_at = $2', set: 'silenced_at = NULL', event: events.accountUnsilenced });
    }
    if (severity !== 'suspend') {
      steps.push({
        where: 'a.suspended_at = $2 AND a.deleted_at IS NULL',
        set: 'suspended_at = NULL',
        event: events.accountUnsuspended,
      });
    }
    if (severity === 'silence') {
      steps.push({ where: 'a.silenced_at IS NULL', set: 'silenced_at = $2', event: events.accountSilenced });
    }
    if (severity === 'suspend') {
      steps.push({
        where: 'a.suspended_at IS NULL',
        set: 'suspended_at = $2',
        event: events.accountSuspended,
        then: (tx, ids) => this.sever(tx, ids),
      });
    }
    let changed = 0;
    for (const step of steps) changed += await this.run(step, domain, new Date(since));
    if (changed) this.log.info({ domain, severity, changed }, 'domain block applied to its accounts');
    return changed;
  }

  /** One step, a batch per transaction, until no account of the domain is left for it. */
  private async run(step: Step, domain: string, since: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const ids = await this.graph.transaction(async (tx) => {
        const rows: { id: string }[] = await tx.query(
          `WITH chosen AS (
             SELECT a.id FROM accounts.accounts a WHERE ${ON_DOMAIN} AND ${step.where}
              ORDER BY a.id LIMIT ${BATCH} FOR UPDATE)
           , changed AS (UPDATE accounts.accounts a SET ${step.set}, updated_at = now()
              FROM chosen WHERE a.id = chosen.id RETURNING a.id)
           SELECT id::text FROM changed ORDER BY id`,
          [domain, since],
        );
        const changed = rows.map((row) => row.id);
        for (const accountId of changed) await this.outbox.add(tx, step.event, { accountId });
        if (changed.length) await step.then?.(tx, changed);
        return changed;
      });
      total += ids.length;
      if (ids.length < BATCH) return total;
    }
  }

  /** Every follow and follow request between the suspended accounts and anyone, gone with its event. */
  private async sever(tx: Tx, ids: string[]): Promise<void> {
    const reason = 'domain_suspended';
    const among = new Set(ids);
    const follows = await this.graph.removeFollows(
      tx,
      'f.account_id = ANY($1::bigint[]) OR f.target_account_id = ANY($1::bigint[])',
      [ids],
    );
    for (const follow of follows) {
      await this.outbox.add(tx, events.followRemoved, {
        accountId: follow.account_id,
        targetAccountId: follow.target_account_id,
        reason,
        uri: follow.uri,
      });
    }
    const requests = await this.graph.removeRequests(
      tx,
      'r.account_id = ANY($1::bigint[]) OR r.target_account_id = ANY($1::bigint[])',
      [ids],
    );
    for (const request of requests) {
      const def = among.has(request.account_id)
        ? events.followRequestWithdrawn
        : events.followRequestRejected;
      await this.outbox.add(tx, def, {
        accountId: request.account_id,
        targetAccountId: request.target_account_id,
        reason,
        uri: request.uri,
      });
    }
  }
}
