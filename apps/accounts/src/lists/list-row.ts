import type { ListRecord, RepliesPolicy } from '@mammut/contracts';

/** The columns of `accounts.lists` (as `l`) that make a ListRecord. */
export const LIST_COLUMNS = `l.id::text AS id, l.account_id::text AS account_id, l.title, l.replies_policy, l.exclusive`;

export interface ListRow {
  id: string;
  account_id: string;
  title: string;
  replies_policy: RepliesPolicy;
  exclusive: boolean;
}

export function toListRecord(row: ListRow): ListRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    title: row.title,
    repliesPolicy: row.replies_policy,
    exclusive: row.exclusive,
  };
}
