import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  type RemoteEmoji,
  type RemoteStatusDescription,
  type ResponseOf,
  type StatusRecord,
} from '@mammut/contracts';
import { type Outbox, sanitizeRichText } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { Conversations } from '../conversations/conversations.service';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { Polls } from '../polls/polls.service';
import { STATUS_COLUMNS, STATUS_FIELDS, type StatusRow, toStatusRecord } from '../statuses/status-row';
import { languageOf } from '../statuses/status-input';
import { StatusVersions } from '../statuses/status-versions';

type Saved = ResponseOf<typeof contracts.statuses.remote.saveRemoteStatus>;

/** Emoji compared by value (jsonb gives their keys back in its own order). */
const emojiKey = (emojis: readonly RemoteEmoji[]): string =>
  emojis.map((emoji) => `${emoji.shortcode} ${emoji.url}`).join('\n');

/** What a remote status says, as it is stored: sanitized, its sensitivity implied by a spoiler. */
interface Said {
  content: string;
  spoilerText: string;
  sensitive: boolean;
  language: string | null;
}

/**
 * A remote Note stored as a status, as Mastodon's Activity::Create and UpdateStatusService apply
 * it: one transaction per uri (an advisory lock stands in for Mastodon's Redis lock, so a Create
 * and its replay never race), a tombstoned uri refused, a uri of another author a `conflict`.
 * A new status takes its id from `published`, joins the thread of the status it replies to when
 * that is known (else keeps its uri, and is linked when that status arrives), adopts the replies
 * that were waiting for it, and announces itself as a local one does; a stored one is edited only by a newer
 * `updated`, keeping its history (visibility never changes, as Mastodon keeps it). A Question keeps
 * its poll; any Update of it, an edit or not, refreshes the poll's counts and end. Its custom emoji
 * (shortcodes and remote image URLs) are kept with it and with each version (ADR 0021).
 */
@Injectable()
export class SaveRemoteStatus {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    private readonly conversations: Conversations,
    private readonly versions: StatusVersions,
    private readonly polls: Polls,
  ) {}

  async execute(input: RemoteStatusDescription): Promise<Saved> {
    const said: Said = {
      content: sanitizeRichText(input.content),
      spoilerText: input.spoilerText,
      sensitive: input.sensitive || input.spoilerText.length > 0,
      language: languageOf(input.language),
    };
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [input.uri]);
      const [tombstone]: unknown[] = await tx.query(
        `SELECT 1 FROM statuses.status_tombstones WHERE uri = $1`,
        [input.uri],
      );
      if (tombstone) return { outcome: 'gone', status: null };
      const [stored]: (StatusRow & { deleted_at: Date | null })[] = await tx.query(
        `SELECT ${STATUS_COLUMNS}, s.deleted_at FROM statuses.statuses s WHERE s.uri = $1 FOR UPDATE`,
        [input.uri],
      );
      if (stored && stored.account_id !== input.accountId)
        throw new ContractError('conflict', 'The status belongs to another account');
      if (stored?.deleted_at) return { outcome: 'gone', status: null };
      if (stored) return this.edit(tx, toStatusRecord(stored), input, said);
      if (!input.mayCreate) return { outcome: 'ignored', status: null };
      return { outcome: 'created', status: await this.create(tx, input, said) };
    });
  }

  private async create(tx: EntityManager, input: RemoteStatusDescription, said: Said): Promise<StatusRecord> {
    const [parent]: { id: string; account_id: string }[] = input.inReplyToUri
      ? await tx.query(
          `SELECT id, account_id FROM statuses.statuses WHERE uri = $1 AND deleted_at IS NULL AND reblog_of_id IS NULL`,
          [input.inReplyToUri],
        )
      : [];
    const thread = await this.conversations.threadOf(tx, parent?.id ?? null);
    const [inserted]: StatusRow[] = await tx.query(
      `WITH s AS (
         INSERT INTO statuses.statuses (id, uri, url, account_id, local, content, spoiler_text, sensitive, language,
           visibility, in_reply_to_id, in_reply_to_account_id, in_reply_to_uri, tags, conversation_id, created_at,
           updated_at, emojis, media_ids)
         VALUES (statuses.timestamp_id('statuses', $12::timestamptz), $1, $2, $3, false, $4, $5, $6, $7, $8, $9, $10,
           $14, $11, $13, LEAST($12::timestamptz, now()), now(), $15::jsonb, $16::bigint[])
         RETURNING *)
       SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions FROM s`,
      [
        input.uri,
        input.url,
        input.accountId,
        said.content,
        said.spoilerText,
        said.sensitive,
        said.language,
        input.visibility,
        parent?.id ?? null,
        parent?.account_id ?? null,
        input.tags,
        input.published,
        thread,
        input.inReplyToUri,
        JSON.stringify(input.emojis),
        input.mediaIds,
      ],
    );
    inserted.poll_id = await this.polls.saveRemote(tx, inserted.id, input.accountId, null, input.poll, true);
    if (inserted.poll_id)
      await tx.query(`UPDATE statuses.statuses SET poll_id = $2 WHERE id = $1`, [
        inserted.id,
        inserted.poll_id,
      ]);
    await this.mention(tx, inserted.id, input.mentions);
    await this.tag(tx, input.tags);
    if (parent) {
      await tx.query(`UPDATE statuses.statuses SET replies_count = replies_count + 1 WHERE id = $1`, [
        parent.id,
      ]);
    }
    await this.adoptReplies(tx, inserted);
    const status = toStatusRecord({ ...inserted, mentions: input.mentions });
    await this.conversations.join(tx, status, thread);
    await this.outbox.add(tx, contracts.statuses.statuses.events.statusCreated, { status, reblogged: null });
    return status;
  }

  /**
   * Mastodon's rule (ProcessStatusUpdateService): an Update is an edit when it says when it was
   * edited (`updated`) and the stored status was never edited or edited earlier. Publication time
   * is not compared: an edit can come within the second a status was published. Any other Update
   * (a poll's new counts) refreshes the poll alone; a Create of a stored status changes nothing.
   */
  private async edit(
    tx: EntityManager,
    before: StatusRecord,
    input: RemoteStatusDescription,
    said: Said,
  ): Promise<Saved> {
    if (!input.updated || (before.editedAt && Date.parse(input.updated) <= Date.parse(before.editedAt))) {
      if (input.fromUpdate)
        await this.polls.saveRemote(tx, before.id, before.accountId, before.pollId, input.poll, false);
      return { outcome: 'unchanged', status: before };
    }
    const options = await this.polls.optionsOf(tx, before.pollId);
    const changed =
      (options?.join('\n') ?? null) !== (input.poll?.options.join('\n') ?? null) ||
      said.content !== before.content ||
      said.spoilerText !== before.spoilerText ||
      said.sensitive !== before.sensitive ||
      said.language !== before.language ||
      input.mentions.join() !== before.mentions.join() ||
      input.tags.join() !== before.tags.join() ||
      emojiKey(input.emojis) !== emojiKey(before.emojis) ||
      input.mediaIds.join() !== before.mediaIds.join();
    const pollId =
      changed || input.fromUpdate
        ? await this.polls.saveRemote(tx, before.id, before.accountId, before.pollId, input.poll, changed)
        : before.pollId;
    if (!changed) return { outcome: 'unchanged', status: before };
    await this.versions.keepOriginal(tx, before);
    const [updated]: StatusRow[] = await tx.query(
      `WITH s AS (
         UPDATE statuses.statuses
            SET content = $2, spoiler_text = $3, sensitive = $4, language = $5, tags = $6, url = $7,
                edited_at = LEAST($8::timestamptz, now()), updated_at = now(), poll_id = $9,
                emojis = $10::jsonb, media_ids = $11::bigint[]
          WHERE id = $1 RETURNING *)
       SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions FROM s`,
      [
        before.id,
        said.content,
        said.spoilerText,
        said.sensitive,
        said.language,
        input.tags,
        input.url,
        input.updated,
        pollId,
        JSON.stringify(input.emojis),
        input.mediaIds,
      ],
    );
    await tx.query(`DELETE FROM statuses.mentions WHERE status_id = $1`, [before.id]);
    await this.mention(tx, before.id, input.mentions);
    await this.tag(tx, input.tags);
    const status = toStatusRecord({ ...updated, mentions: input.mentions });
    await this.versions.keep(tx, before.id, {
      accountId: before.accountId,
      text: '',
      content: said.content,
      spoilerText: said.spoilerText,
      sensitive: said.sensitive,
      pollOptions: input.poll?.options ?? null,
      createdAt: status.editedAt ?? status.createdAt,
      emojis: input.emojis,
      mediaIds: input.mediaIds,
    });
    await this.outbox.add(tx, contracts.statuses.statuses.events.statusUpdated, {
      status,
      addedMentions: input.mentions.filter((id) => !before.mentions.includes(id)),
    });
    return { outcome: 'updated', status };
  }

  /**
   * Replies stored before this status arrived (their parent unknown then) join it now, as
   * Mastodon links them by `in_reply_to_uri`; each counts as a reply. Their conversations stay as
   * they were: the thread is read through `in_reply_to_id`.
   */
  private async adoptReplies(tx: EntityManager, parent: StatusRow): Promise<void> {
    await tx.query(
      `WITH adopted AS (
         UPDATE statuses.statuses SET in_reply_to_id = $1, in_reply_to_account_id = $2, updated_at = now()
          WHERE in_reply_to_uri = $3 AND in_reply_to_id IS NULL AND deleted_at IS NULL AND id <> $1
          RETURNING id)
       UPDATE statuses.statuses SET replies_count = replies_count + (SELECT count(*) FROM adopted)
        WHERE id = $1 AND EXISTS (SELECT 1 FROM adopted)`,
      [parent.id, parent.account_id, parent.uri],
    );
  }

  private async mention(tx: EntityManager, statusId: string, accountIds: string[]): Promise<void> {
    if (!accountIds.length) return;
    await tx.query(
      `INSERT INTO statuses.mentions (status_id, account_id, position)
       SELECT $1, account_id, min(position) FROM unnest($2::bigint[]) WITH ORDINALITY AS m(account_id, position)
        GROUP BY account_id`,
      [statusId, accountIds],
    );
  }

  /** Each hashtag used gets its id (the Tag entity's) the first time. */
  private async tag(tx: EntityManager, names: string[]): Promise<void> {
    if (!names.length) return;
    await tx.query(
      `INSERT INTO statuses.tags (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`,
      [names],
    );
  }
}
