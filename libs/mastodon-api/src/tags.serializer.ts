import type { FeaturedTagRecord, TagRecord } from '@mammut/contracts';
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

/** Mastodon's FeaturedTag entity: the count as a string and the last use as a day, as Mastodon renders them. */
export interface MFeaturedTag {
  id: string;
  name: string;
  url: string;
  statuses_count: string;
  last_status_at: string | null;
}

export function serializeFeaturedTag(
  tag: FeaturedTagRecord,
  username: string,
  ctx: SerializeContext,
): MFeaturedTag {
  return {
    id: tag.id,
    name: tag.name,
    url: `${ctx.origin}/@${username}/tagged/${encodeURIComponent(tag.name)}`,
    statuses_count: String(tag.statusesCount),
    last_status_at: tag.lastStatusAt?.slice(0, 10) ?? null,
  };
}
