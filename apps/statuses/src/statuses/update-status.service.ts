import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  MEDIA_LIMITS,
  notFound,
  type RequestOf,
  type StatusRecord,
} from '@mammut/contracts';
import { BUS, type Bus, CONFIG, type Config, extractHashtags, logger, type Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { Polls } from '../polls/polls.service';
import { STATUS_COLUMNS, STATUS_FIELDS, type StatusRow, toStatusRecord } from './status-row';
import { languageOf, StatusRenderer, validateStatusInput } from './status-input';
import { StatusVersions } from './status-versions';
import { attachStatusMedia, TOO_MANY_MEDIA } from './status-media';

type StatusUpdate = RequestOf<typeof contracts.statuses.statuses.updateStatus>;

/**
 * `PUT /api/v1/statuses/:id`, as Mastodon's UpdateStatusService: what is sent replaces what was
 * (text, spoiler text, sensitivity, poll, media when `media_ids` is sent; the language only when a
 * valid one is sent), checked as a new status is: the media service checks the new attachments
 * first, and attaches them once the edit committed. Under the status's row lock: the first edit keeps the original as the first
 * version, the status takes the new text, mentions and hashtags (mentions no longer in the text
 * go), `edited_at` is set, the new version is kept, and `status.updated` announces it with the
 * accounts mentioned for the first time. An edit that changes nothing keeps nothing and announces
 * nothing. Only the author's own statuses, and no reblog, can be edited: anything else is 404.
 */
@Injectable()
export class UpdateStatus {
  private readonly log = logger('statuses:update');

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    @Inject(CONFIG) private readonly config: Config,
    private readonly renderer: StatusRenderer,
    private readonly polls: Polls,
    private readonly versions: StatusVersions,
  ) {}

  async execute(request: StatusUpdate): Promise<StatusRecord> {
    const newMedia = request.mediaIds && [...new Set(request.mediaIds)];
    if (newMedia && (request.mediaIds!.length > MEDIA_LIMITS.perStatus || (newMedia.length && request.poll)))
      throw new ContractError('unprocessable', TOO_MANY_MEDIA);
    if (newMedia?.length)
      await this.bus.request(contracts.media.attachments.attach, {
        accountId: request.accountId,
        statusId: request.statusId,
        checkOnly: true,
        ids: newMedia,
      });
    const described = await this.describeMedia(request, newMedia ?? []);
    const { html, mentions } = await this.renderer.render(request.text);
    const status = await this.db.transaction(async (tx) => {
      const [row]: StatusRow[] = await tx.query(
        `SELECT ${STATUS_COLUMNS} FROM statuses.statuses s
          WHERE s.id = $1 AND s.account_id = $2 AND s.deleted_at IS NULL AND s.reblog_of_id IS NULL
          FOR UPDATE`,
        [request.statusId, request.accountId],
      );
      if (!row) throw notFound();
      const before = toStatusRecord(row);
      const mediaIds = newMedia ?? before.mediaIds;
      const poll = validateStatusInput({ ...request, mediaIds }, this.config.polls);
      const next = {
        text: request.text,
        content: html,
        spoilerText: request.spoilerText,
        sensitive: request.sensitive || request.spoilerText.length > 0,
        language: languageOf(request.language) ?? before.language,
      };
      // A poll sent always counts as a change (it runs again from now), as one taken away does.
      const changed =
        next.text !== before.text ||
        next.spoilerText !== before.spoilerText ||
        next.sensitive !== before.sensitive ||
        next.language !== before.language ||
        poll !== null ||
        before.pollId !== null ||
        mediaIds.join() !== before.mediaIds.join() ||
        described;
      if (!changed) return before;
      await this.versions.keepOriginal(tx, before);
      let pollId = before.pollId;
      if (poll && pollId) await this.polls.replace(tx, pollId, poll);
      else if (poll) pollId = await this.polls.attach(tx, before.id, before.accountId, poll);
      else if (pollId) {
        await this.polls.remove(tx, pollId);
        pollId = null;
      }
      const [updated]: StatusRow[] = await tx.query(
        `WITH s AS (
           UPDATE statuses.statuses
              SET text = $2, content = $3, spoiler_text = $4, sensitive = $5, language = $6, tags = $7,
                  poll_id = $8, media_ids = $9::bigint[], edited_at = now(), updated_at = now()
            WHERE id = $1 RETURNING *)
         SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions FROM s`,
        [
          before.id,
          next.text,
          next.content,
          next.spoilerText,
          next.sensitive,
          next.language,
          extractHashtags(next.text),
          pollId,
          mediaIds,
        ],
      );
      await tx.query(`DELETE FROM statuses.mentions WHERE status_id = $1`, [before.id]);
      if (mentions.length) {
        await tx.query(
          `INSERT INTO statuses.mentions (status_id, account_id, position)
           SELECT $1, account_id, position FROM unnest($2::bigint[]) WITH ORDINALITY AS m(account_id, position)`,
          [before.id, mentions],
        );
      }
      const status = toStatusRecord({ ...updated, mentions });
      await this.versions.keep(tx, before.id, {
        ...next,
        accountId: request.accountId,
        pollOptions: poll?.options ?? null,
        createdAt: status.editedAt ?? status.createdAt,
        mediaIds,
      });
      await this.outbox.add(tx, contracts.statuses.statuses.events.statusUpdated, {
        status,
        addedMentions: mentions.filter((id) => !before.mentions.includes(id)),
      });
      return status;
    });
    if (newMedia?.length) await attachStatusMedia(this.bus, this.log, status);
    return status;
  }

  /**
   * `media_attributes[]`, read only with `media_ids` (as Mastodon reads them) and only for the
   * attachments the status will carry: their alt text and focus set before the edit commits (the
   * edit's Update then carries them). Whether any changed, which makes the edit a version of its own.
   */
  private async describeMedia(request: StatusUpdate, mediaIds: readonly string[]): Promise<boolean> {
    const attributes = request.mediaAttributes.filter((attributes) => mediaIds.includes(attributes.id));
    if (!attributes.length) return false;
    const { changed } = await this.bus.request(contracts.media.attachments.describe, {
      accountId: request.accountId,
      statusId: request.statusId,
      attributes,
    });
    return changed.length > 0;
  }
}
