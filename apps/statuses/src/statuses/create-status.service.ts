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
import type { DataSource, EntityManager } from 'typeorm';
import { Conversations } from '../conversations/conversations.service';
import { STATUSES_DB, STATUSES_OUTBOX } from '../database/statuses-database';
import { Polls } from '../polls/polls.service';
import { PostingIdempotency } from './posting-idempotency';
import { attachStatusMedia, TOO_MANY_MEDIA } from './status-media';
import { STATUS_FIELDS, type StatusRow, toStatusRecord } from './status-row';
import { languageOf, StatusRenderer, validateStatusInput } from './status-input';
import { StatusesQueries } from './statuses.queries';

export type NewStatus = RequestOf<typeof contracts.statuses.statuses.createStatus>;

/** Mastodon's media_attachments.validations.too_many, which a poll beside media gets too. */

/**
 * `POST /api/v1/statuses` for a local author: validates, renders, stores and announces one status
 * (with its poll, written in the same transaction). A scheduled status is checked with `validated`
 * when it is scheduled and posted with `createIn` when it is due, so it takes the same path.
 */
@Injectable()
export class CreateStatus {
  private readonly log = logger('statuses:create');

  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    @Inject(STATUSES_OUTBOX) private readonly outbox: Outbox,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    private readonly idempotency: PostingIdempotency,
    private readonly queries: StatusesQueries,
    private readonly renderer: StatusRenderer,
    private readonly polls: Polls,
    private readonly conversations: Conversations,
  ) {}

  async execute(input: NewStatus): Promise<StatusRecord> {
    const request = this.validated(input);
    return this.idempotency.once(
      request.accountId,
      request.idempotencyKey,
      () => this.create(request),
      async (id) => (await this.queries.byIds([id])).statuses[0],
    );
  }

  /**
   * The request as it would be stored: checked as a new status is checked (`unprocessable` with
   * Mastodon's messages otherwise), its poll's options tidied.
   */
  validated(input: NewStatus): NewStatus {
    // Media first, as PostStatusService#validate_media! runs before the status is validated.
    if (input.mediaIds.length > MEDIA_LIMITS.perStatus || (input.mediaIds.length && input.poll))
      throw new ContractError('unprocessable', TOO_MANY_MEDIA);
    return { ...input, poll: validateStatusInput(input, this.config.polls) };
  }

  /**
   * Creates the status inside the caller's transaction, so that what the caller changes there
   * commits with it or not at all (publishing a scheduled status deletes its row in the same
   * transaction). `not_found` when the author or the status replied to is gone. A scheduled
   * status's uploads are held for it: `scheduledStatusId` lets this status take them.
   */
  async createIn(
    tx: EntityManager,
    input: NewStatus,
    held: { scheduledStatusId: string | null } = { scheduledStatusId: null },
  ): Promise<StatusRecord> {
    return this.create(this.validated(input), tx, held.scheduledStatusId);
  }

  private async create(
    request: NewStatus,
    outer?: EntityManager,
    scheduledStatusId: string | null = null,
  ): Promise<StatusRecord> {
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [request.accountId],
    });
    const author = accounts[0];
    if (!author || author.domain !== null) throw notFound();
    // The media service refuses what cannot be attached before anything is written.
    if (request.mediaIds.length)
      await this.bus.request(contracts.media.attachments.attach, {
        accountId: request.accountId,
        statusId: null,
        scheduledStatusId,
        ids: request.mediaIds,
      });
    const mediaIds = [...new Set(request.mediaIds)];
    const parent = request.inReplyToId ? await this.parentOf(request.inReplyToId) : null;
    const { html, mentions } = await this.renderer.render(request.text);
    const origin = this.config.publicOrigin;
    const language = languageOf(request.language);
    const inTransaction = <T>(work: (tx: EntityManager) => Promise<T>): Promise<T> =>
      outer ? work(outer) : this.db.transaction(work);
    const row = await inTransaction(async (tx) => {
      // A reply joins its parent's thread; any other status starts one, in the same statement.
      const thread = parent ? await this.conversations.threadOf(tx, parent.id) : null;
      const [inserted]: (StatusRow & { conversation_id: string })[] = await tx.query(
        `WITH new_id AS (SELECT statuses.timestamp_id('statuses') AS id),
         started AS (
           INSERT INTO statuses.conversations (created_at) SELECT now() WHERE $14::bigint IS NULL RETURNING id),
         s AS (
           INSERT INTO statuses.statuses (id, uri, url, account_id, local, text, content, spoiler_text, sensitive,
             language, visibility, in_reply_to_id, in_reply_to_account_id, application_id, tags, conversation_id,
             media_ids)
           SELECT n.id, $1 || '/users/' || $2 || '/statuses/' || n.id, $1 || '/@' || $2 || '/' || n.id, $3, true,
             $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, COALESCE($14::bigint, (SELECT id FROM started)),
             $15::bigint[]
             FROM new_id n
           RETURNING *)
         SELECT ${STATUS_FIELDS}, ARRAY[]::text[] AS mentions, s.conversation_id::text AS conversation_id FROM s`,
        [
          origin,
          author.username,
          request.accountId,
          request.text,
          html,
          request.spoilerText,
          request.sensitive || request.spoilerText.length > 0,
          language,
          request.visibility,
          parent?.id ?? null,
          parent?.accountId ?? null,
          request.applicationId,
          extractHashtags(request.text),
          thread,
          mediaIds,
        ],
      );
      if (mentions.length) {
        await tx.query(
          `INSERT INTO statuses.mentions (status_id, account_id, position)
           SELECT $1, account_id, position FROM unnest($2::bigint[]) WITH ORDINALITY AS m(account_id, position)`,
          [inserted.id, mentions],
        );
      }
      // Each hashtag used gets its id (the Tag entity's) the first time.
      if (inserted.tags.length) {
        await tx.query(
          `INSERT INTO statuses.tags (name) SELECT unnest($1::text[]) ON CONFLICT (name) DO NOTHING`,
          [inserted.tags],
        );
      }
      if (parent) {
        await tx.query(`UPDATE statuses.statuses SET replies_count = replies_count + 1 WHERE id = $1`, [
          parent.id,
        ]);
      }
      if (request.poll) {
        inserted.poll_id = await this.polls.attach(tx, inserted.id, request.accountId, request.poll);
        await tx.query(`UPDATE statuses.statuses SET poll_id = $2 WHERE id = $1`, [
          inserted.id,
          inserted.poll_id,
        ]);
      }
      const status = toStatusRecord({ ...inserted, mentions });
      await this.conversations.join(tx, status, inserted.conversation_id);
      await this.outbox.add(tx, contracts.statuses.statuses.events.statusCreated, {
        status,
        reblogged: null,
      });
      return status;
    });
    if (mediaIds.length) await attachStatusMedia(this.bus, this.log, row, scheduledStatusId);
    return row;
  }

  private async parentOf(id: string): Promise<StatusRecord> {
    const { statuses } = await this.queries.byIds([id]);
    if (!statuses[0]) throw notFound();
    return statuses[0];
  }
}
