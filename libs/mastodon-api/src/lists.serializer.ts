import type { ListRecord } from '@mammut/contracts';

/** Mastodon's List entity. */
export interface MList {
  id: string;
  title: string;
  replies_policy: 'followed' | 'list' | 'none';
  exclusive: boolean;
}

export function serializeList(list: ListRecord): MList {
  return { id: list.id, title: list.title, replies_policy: list.repliesPolicy, exclusive: list.exclusive };
}
