import type {
  AccountRecord,
  MediaAttachmentRecord,
  PollRecord,
  RemoteEmoji,
  StatusEditRecord,
  StatusRecord,
} from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import { serializeEmojis } from './emojis.serializer';
import { serializeMediaAttachment } from './media.serializer';
import type { MAccount, MCustomEmoji } from './entities';

export interface MPollOption {
  title: string;
  /** Null while the poll hides its totals and runs. */
  votes_count: number | null;
}

/** Mastodon's Poll entity. */
export interface MPoll {
  id: string;
  expires_at: string | null;
  expired: boolean;
  multiple: boolean;
  votes_count: number;
  voters_count: number | null;
  options: MPollOption[];
  emojis: MCustomEmoji[];
  /** With a user token only. */
  voted?: boolean;
  own_votes?: number[];
}

/** Mastodon's StatusEdit entity: one version of a status. */
export interface MStatusEdit {
  content: string;
  spoiler_text: string;
  sensitive: boolean;
  created_at: string;
  account: MAccount;
  poll?: { options: { title: string }[] };
  media_attachments: unknown[];
  emojis: MCustomEmoji[];
}

/** Mastodon's StatusSource entity: what an edit starts from. */
export interface MStatusSource {
  id: string;
  text: string;
  spoiler_text: string;
}

/**
 * A poll as Mastodon shows it: the options' counts stay hidden (null) while a poll that hides its
 * totals runs, whoever asks (Poll#show_totals_now?); `voted` and `own_votes` only for a user;
 * `emojis` those of its status's custom emoji its options use.
 */
export function serializePoll(
  poll: PollRecord,
  viewerId: string | null,
  emojis: readonly RemoteEmoji[] = [],
): MPoll {
  const showTotals = poll.expired || !poll.hideTotals;
  const serialized: MPoll = {
    id: poll.id,
    expires_at: poll.expiresAt,
    expired: poll.expired,
    multiple: poll.multiple,
    votes_count: poll.votesCount,
    voters_count: poll.votersCount,
    options: poll.options.map((title, index) => ({
      title,
      votes_count: showTotals ? (poll.tallies[index] ?? 0) : null,
    })),
    emojis: serializeEmojis(emojis, poll.options),
  };
  if (viewerId !== null) {
    serialized.voted = poll.voted;
    serialized.own_votes = poll.ownVotes;
  }
  return serialized;
}

/** One version of a status; its account must be among `accounts`. */
export function serializeStatusEdit(
  edit: StatusEditRecord,
  accounts: ReadonlyMap<string, AccountRecord>,
  ctx: SerializeContext,
  media: ReadonlyMap<string, MediaAttachmentRecord> = new Map(),
): MStatusEdit {
  const account = accounts.get(edit.accountId);
  if (!account) throw new Error(`status edit presented without its account ${edit.accountId}`);
  return {
    content: edit.content,
    spoiler_text: edit.spoilerText,
    sensitive: edit.sensitive,
    created_at: edit.createdAt,
    account: serializeAccount(account, ctx),
    ...(edit.pollOptions?.length ? { poll: { options: edit.pollOptions.map((title) => ({ title })) } } : {}),
    media_attachments: edit.mediaIds.flatMap((id) => {
      const attachment = media.get(id);
      return attachment ? [serializeMediaAttachment(attachment)] : [];
    }),
    // Those of this version, used in its texts.
    emojis: serializeEmojis(edit.emojis, [edit.spoilerText, edit.content, ...(edit.pollOptions ?? [])]),
  };
}

export function serializeStatusSource(status: StatusRecord): MStatusSource {
  return { id: status.id, text: status.text, spoiler_text: status.spoilerText };
}
