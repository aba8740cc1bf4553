import type { MediaAttachmentRecord, ScheduledStatusRecord, Visibility } from '@mammut/contracts';
import { type MMediaAttachment, serializeMediaAttachment } from './media.serializer';

/** The poll a scheduled status will carry, as Mastodon keeps the request (`expires_in` a string). */
export interface MScheduledPoll {
  options: string[];
  expires_in: string;
  multiple: boolean;
  hide_totals: boolean;
}

/** Mastodon's ScheduledStatus `params`: the request the status will be posted with. */
export interface MScheduledStatusParams {
  text: string;
  poll: MScheduledPoll | null;
  media_ids: string[] | null;
  sensitive: boolean;
  spoiler_text: string | null;
  visibility: Visibility;
  in_reply_to_id: string | null;
  language: string | null;
  /** A string here, as every id: Mastodon's integer would not survive a 64-bit id in JSON clients. */
  application_id: string | null;
  scheduled_at: null;
  idempotency: string | null;
  with_rate_limit: boolean;
}

/** Mastodon's ScheduledStatus entity. */
export interface MScheduledStatus {
  id: string;
  scheduled_at: string;
  params: MScheduledStatusParams;
  media_attachments: MMediaAttachment[];
}

/** A scheduled status with the uploads it holds (`media`: attachments by id; missing ones left out). */
export function serializeScheduledStatus(
  scheduled: ScheduledStatusRecord,
  media: ReadonlyMap<string, MediaAttachmentRecord> = new Map(),
): MScheduledStatus {
  const { params } = scheduled;
  return {
    id: scheduled.id,
    scheduled_at: scheduled.scheduledAt,
    params: {
      text: params.text,
      poll: params.poll && {
        options: params.poll.options,
        expires_in: String(params.poll.expiresIn),
        multiple: params.poll.multiple,
        hide_totals: params.poll.hideTotals,
      },
      media_ids: params.mediaIds.length ? params.mediaIds : null,
      sensitive: params.sensitive,
      spoiler_text: params.spoilerText || null,
      visibility: params.visibility,
      in_reply_to_id: params.inReplyToId,
      language: params.language,
      application_id: params.applicationId,
      scheduled_at: null,
      idempotency: params.idempotencyKey,
      with_rate_limit: false,
    },
    media_attachments: params.mediaIds.flatMap((id) => {
      const attachment = media.get(id);
      return attachment ? [serializeMediaAttachment(attachment)] : [];
    }),
  };
}
