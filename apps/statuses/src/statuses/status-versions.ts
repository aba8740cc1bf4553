import { Injectable } from '@nestjs/common';
import type { RemoteEmoji, StatusRecord } from '@mammut/contracts';
import type { EntityManager } from 'typeorm';
import { Polls } from '../polls/polls.service';

/** One version of a status as `status_edits` keeps it. */
export interface StatusVersion {
  accountId: string;
  text: string;
  content: string;
  spoilerText: string;
  sensitive: boolean;
  pollOptions: string[] | null;
  createdAt: string;
  /** The custom emoji of a remote status's version (none for local ones). */
  emojis?: RemoteEmoji[];
  /** Its media attachments, in order. */
  mediaIds?: readonly string[];
}

/**
 * The edit history of a status (Mastodon's StatusEdit), the same for local edits and remote
 * Updates: before the first edit the status as it was posted becomes the first version, then each
 * edit adds the version it made.
 */
@Injectable()
export class StatusVersions {
  constructor(private readonly polls: Polls) {}

  /** Before the first edit, the status as it was posted becomes the first version of its history. */
  async keepOriginal(tx: EntityManager, status: StatusRecord): Promise<void> {
    const [edited]: unknown[] = await tx.query(
      `SELECT 1 FROM statuses.status_edits WHERE status_id = $1 LIMIT 1`,
      [status.id],
    );
    if (edited) return;
    await this.keep(tx, status.id, {
      accountId: status.accountId,
      text: status.text,
      content: status.content,
      spoilerText: status.spoilerText,
      sensitive: status.sensitive,
      pollOptions: await this.polls.optionsOf(tx, status.pollId),
      createdAt: status.createdAt,
      emojis: status.emojis,
      mediaIds: status.mediaIds,
    });
  }

  async keep(tx: EntityManager, statusId: string, version: StatusVersion): Promise<void> {
    await tx.query(
      `INSERT INTO statuses.status_edits
         (status_id, account_id, text, content, spoiler_text, sensitive, poll_options, created_at, emojis,
          media_ids)
       VALUES ($1, $2, $3, $4, $5, $6, $7::text[], $8, $9::jsonb, $10::bigint[])`,
      [
        statusId,
        version.accountId,
        version.text,
        version.content,
        version.spoilerText,
        version.sensitive,
        version.pollOptions,
        version.createdAt,
        JSON.stringify(version.emojis ?? []),
        version.mediaIds ?? [],
      ],
    );
  }
}
