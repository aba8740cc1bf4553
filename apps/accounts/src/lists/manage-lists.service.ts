import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  LIST_LIMITS,
  type ListRecord,
  type RepliesPolicy,
  repliesPolicy,
} from '@mammut/contracts';
import type { Outbox } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { ACCOUNTS_DB } from '../database/accounts-database';
import { Validation } from '../profiles/validation';
import { ACCOUNTS_OUTBOX } from '../relationships/accounts-outbox';
import { LIST_COLUMNS, type ListRow, toListRecord } from './list-row';

const events = contracts.accounts.lists.events;

interface ListFields {
  readonly title?: string;
  readonly repliesPolicy?: string;
  readonly exclusive?: boolean;
}

/** Mastodon's validations of a list's fields, as one 422 naming every problem. */
function validated(fields: ListFields, creating: boolean): { title?: string; repliesPolicy?: RepliesPolicy } {
  const v = new Validation();
  if (fields.title !== undefined || creating) {
    if (!fields.title?.trim()) v.add('title', 'ERR_BLANK', "Title can't be blank");
    v.maxLength('title', 'Title', fields.title, LIST_LIMITS.titleLength);
    v.noNul('title', 'Title', fields.title);
  }
  const policy =
    fields.repliesPolicy === undefined ? undefined : repliesPolicy.safeParse(fields.repliesPolicy);
  if (policy && !policy.success) {
    v.add('replies_policy', 'ERR_INCLUSION', 'Replies policy is not included in the list');
  }
  v.throwIfInvalid();
  return { title: fields.title, repliesPolicy: policy?.data };
}

/** The viewer's own list, locked for the change; anyone else's is `not_found`, as Mastodon answers. */
export async function lockOwnList(tx: EntityManager, viewerId: string, listId: string): Promise<ListRecord> {
  const [row]: ListRow[] = await tx.query(
    `SELECT ${LIST_COLUMNS} FROM accounts.lists l WHERE l.id = $1 AND l.account_id = $2 FOR UPDATE`,
    [listId, viewerId],
  );
  if (!row) throw new ContractError('not_found', 'Record not found');
  return toListRecord(row);
}

/** POST /api/v1/lists: at most LIST_LIMITS.perAccount lists per account. */
@Injectable()
export class CreateList {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async execute(viewerId: string, fields: ListFields): Promise<ListRecord> {
    const { title, repliesPolicy: policy } = validated(fields, true);
    return this.db.transaction(async (tx) => {
      // One owner's creations take turns, so the limit cannot be raced past.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`accounts.lists:${viewerId}`]);
      const [{ count }]: { count: number }[] = await tx.query(
        `SELECT count(*)::int AS count FROM accounts.lists WHERE account_id = $1`,
        [viewerId],
      );
      if (count >= LIST_LIMITS.perAccount) {
        const v = new Validation();
        v.add('base', 'ERR_TOO_MANY', 'You have reached the maximum number of lists');
        v.throwIfInvalid();
      }
      const [row]: ListRow[] = await tx.query(
        `INSERT INTO accounts.lists AS l (account_id, title, replies_policy, exclusive)
         VALUES ($1, $2, $3, $4) RETURNING ${LIST_COLUMNS}`,
        [viewerId, title, policy ?? 'list', fields.exclusive ?? false],
      );
      return toListRecord(row);
    });
  }
}

/** PUT /api/v1/lists/:id: what is given changes, the rest stays. */
@Injectable()
export class UpdateList {
  constructor(@Inject(ACCOUNTS_DB) private readonly db: DataSource) {}

  async execute(viewerId: string, listId: string, fields: ListFields): Promise<ListRecord> {
    const { title, repliesPolicy: policy } = validated(fields, false);
    return this.db.transaction(async (tx) => {
      await lockOwnList(tx, viewerId, listId);
      const [row]: ListRow[] = await tx.query(
        `WITH updated AS (
           UPDATE accounts.lists
              SET title = COALESCE($2, title), replies_policy = COALESCE($3, replies_policy),
                  exclusive = COALESCE($4, exclusive), updated_at = now()
            WHERE id = $1 RETURNING *)
         SELECT ${LIST_COLUMNS} FROM updated l`,
        [listId, title ?? null, policy ?? null, fields.exclusive ?? null],
      );
      return toListRecord(row);
    });
  }
}

/** DELETE /api/v1/lists/:id: the list and its memberships; the timelines service drops its feed. */
@Injectable()
export class DeleteList {
  constructor(
    @Inject(ACCOUNTS_DB) private readonly db: DataSource,
    @Inject(ACCOUNTS_OUTBOX) private readonly outbox: Outbox,
  ) {}

  async execute(viewerId: string, listId: string): Promise<Record<string, never>> {
    await this.db.transaction(async (tx) => {
      await lockOwnList(tx, viewerId, listId);
      await tx.query(`DELETE FROM accounts.lists WHERE id = $1`, [listId]);
      await this.outbox.add(tx, events.listDeleted, { listId, ownerId: viewerId });
    });
    return {};
  }
}
