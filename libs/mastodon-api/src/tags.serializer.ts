import type { TagRecord } from '@mammut/contracts';
import type { SerializeContext } from './context';

/** Mastodon's Tag entity: history as strings, newest day first; `following` only for a signed-in viewer. */
export interface MTag {
  id: string;
  name: string;
  url: string;
  history: { day: string; uses: string; accounts: string }[];
  following?: boolean;
}

export function serializeTag(tag: TagRecord, ctx: SerializeContext, signedIn: boolean): MTag {
  const serialized: MTag = {
    id: tag.id,
    name: tag.name,
    url: `${ctx.origin}/tags/${encodeURIComponent(tag.name)}`,
    history: tag.history.map((day) => ({
      day: String(day.day),
      uses: String(day.uses),
      accounts: String(day.accounts),
    })),
  };
  if (signedIn) serialized.following = tag.following;
  return serialized;
}
