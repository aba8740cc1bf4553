import { Inject, Injectable } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import { EventSubscriber, type Subscription, on, RUNTIME, type Runtime } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB, ACCOUNTS_SCHEMA } from '../database/accounts-database';

const events = contracts.statuses.statuses.events;

/**
 * Keeps each account's `statuses_count` and `last_status_at` right from the statuses service's
 * events, as Mastodon's counter caches do: direct statuses are not counted. The updates go
 * through the accounts table, so every cached record of the account is evicted with them.
 */
@Injectable()
export class StatusActivity extends EventSubscriber {
  constructor(@Inject(RUNTIME) runtime: Runtime, @Inject(ACCOUNTS_DB) db: DataSource) {
    super(runtime, { schema: ACCOUNTS_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'accounts-statuses',
        handlers: [
          on(events.statusCreated, ({ status }, tx) =>
            status.visibility === 'direct'
              ? Promise.resolve()
              : this.count(tx, status.accountId, 1, status.createdAt),
          ),
          on(events.statusDeleted, (deleted, tx) =>
            deleted.visibility === 'direct' ? Promise.resolve() : this.count(tx, deleted.accountId, -1, null),
          ),
        ],
      },
    ];
  }

  private async count(tx: EntityManager, accountId: string, delta: number, at: string | null): Promise<void> {
    await tx.query(
      `UPDATE accounts.accounts
          SET statuses_count = GREATEST(statuses_count + $2, 0),
              last_status_at = GREATEST(last_status_at, $3::timestamptz)
        WHERE id = $1`,
      [accountId, delta, at],
    );
  }
}
