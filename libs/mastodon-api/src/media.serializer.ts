import type { MediaAttachmentRecord, MediaMeta } from '@mammut/contracts';

/** Mastodon's MediaAttachment entity (REST::MediaAttachmentSerializer). */
export interface MMediaAttachment {
  id: string;
  type: MediaAttachmentRecord['type'];
  /** The original; null while it is processed. */
  url: string | null;
  preview_url: string | null;
  /** Where a remote attachment came from: null for a local one. */
  remote_url: string | null;
  preview_remote_url: string | null;
  text_url: string | null;
  meta: MediaMeta;
  description: string | null;
  blurhash: string | null;
}

export function serializeMediaAttachment(attachment: MediaAttachmentRecord): MMediaAttachment {
  return {
    id: attachment.id,
    type: attachment.type,
    url: attachment.url,
    preview_url: attachment.previewUrl,
    remote_url: attachment.remoteUrl ?? null,
    preview_remote_url: null,
    text_url: null,
    meta: attachment.meta,
    description: attachment.description,
    blurhash: attachment.blurhash,
  };
}
