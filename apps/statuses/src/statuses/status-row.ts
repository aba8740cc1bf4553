import type { RemoteEmoji, StatusRecord, Visibility } from '@mammut/contracts';

/** A `statuses` row with its mentions, as the queries of this service select it. */
export interface StatusRow {
  id: string;
  uri: string;
  url: string | null;
  account_id: string;
  local: boolean;
  text: string;
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  language: string | null;
  visibility: Visibility;
  in_reply_to_id: string | null;
  in_reply_to_account_id: string | null;
  reblog_of_id: string | null;
  application_id: string | null;
  poll_id: string | null;
  media_ids: string[];
  tags: string[];
  mentions: string[] | null;
  replies_count: number;
  reblogs_count: number;
  favourites_count: number;
  created_at: Date;
  edited_at: Date | null;
  emojis: RemoteEmoji[];
}

/** The columns of a StatusRow but its mentions, `s` being the statuses table. */
export const STATUS_FIELDS = `s.id, s.uri, s.url, s.account_id, s.local, s.text, s.content, s.spoiler_text,
  s.sensitive, s.language, s.visibility, s.in_reply_to_id, s.in_reply_to_account_id, s.reblog_of_id, s.application_id,
  s.poll_id, s.media_ids::text[] AS media_ids, s.tags, s.replies_count, s.reblogs_count, s.favourites_count, s.created_at, s.edited_at, s.emojis`;

/** The columns a StatusRow is read with. */
export const STATUS_COLUMNS = `${STATUS_FIELDS},
  ARRAY(SELECT m.account_id::text FROM statuses.mentions m WHERE m.status_id = s.id ORDER BY m.position) AS mentions`;

export function toStatusRecord(row: StatusRow): StatusRecord {
  return {
    id: row.id,
    uri: row.uri,
    url: row.url,
    accountId: row.account_id,
    local: row.local,
    createdAt: row.created_at.toISOString(),
    editedAt: row.edited_at?.toISOString() ?? null,
    text: row.text,
    content: row.content,
    spoilerText: row.spoiler_text,
    sensitive: row.sensitive,
    language: row.language,
    visibility: row.visibility,
    inReplyToId: row.in_reply_to_id,
    inReplyToAccountId: row.in_reply_to_account_id,
    reblogOfId: row.reblog_of_id,
    applicationId: row.application_id,
    pollId: row.poll_id,
    mediaIds: row.media_ids,
    mentions: row.mentions ?? [],
    tags: row.tags,
    repliesCount: row.replies_count,
    reblogsCount: row.reblogs_count,
    favouritesCount: row.favourites_count,
    emojis: row.emojis,
  };
}

/** A status with media attachments of its own (a reblog has none: its media are the shared status's). */
export const WITH_MEDIA = 'cardinality(s.media_ids) > 0';
