import { Inject, Injectable } from '@nestjs/common';
import { type ConversationRecord, notFound, type PageRequest, type StatusRecord } from '@mammut/contracts';
import { pageSql } from '@mammut/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { STATUS_COLUMNS, type StatusRow, toStatusRecord } from '../statuses/status-row';

/** An account conversation with its last status, as the reads below select it. */
type ConversationRow = StatusRow & {
  conversation_row_id: string;
  conversation_account_id: string;
  participant_ids: string[];
  unread: boolean;
};

const CONVERSATION_COLUMNS = `ac.id::text AS conversation_row_id, ac.account_id::text AS conversation_account_id,
  ac.participant_account_ids::text[] AS participant_ids, ac.unread, ${STATUS_COLUMNS}`;
const FROM_CONVERSATIONS = `statuses.account_conversations ac
  JOIN statuses.statuses s ON s.id = ac.last_status_id AND s.deleted_at IS NULL`;

function toConversation(row: ConversationRow): ConversationRecord {
  return {
    id: row.conversation_row_id,
    accountId: row.conversation_account_id,
    participantIds: row.participant_ids,
    unread: row.unread,
    lastStatus: toStatusRecord(row),
  };
}

/**
 * Threads and direct conversations, as Mastodon keeps them. Every status belongs to a thread: a
 * new one starts it, a reply joins its parent's. A direct status is added to the conversation of
 * its author and of each account it mentions (one per thread and set of other participants), unread
 * for all but its author; deleting it takes it out again, and a conversation left without statuses
 * goes.
 *
 * This is done in the transaction that creates or deletes the status, not by a consumer of the
 * status events: the conversation then exists exactly when the status does, so the conversations
 * list never lags behind a posted status, and the `conversation` stream event (published by the
 * timelines service from `status.created`, after the commit) always finds it. The thread is also
 * what conversation mutes hold, which notifications read from the same event.
 */
@Injectable()
export class Conversations {
  constructor(@Inject(STATUSES_DB) private readonly db: DataSource) {}

  /**
   * Puts a new direct status in its participants' conversations; `conversationId` is its thread,
   * written with the status (`threadOf` for a reply, a new one otherwise).
   */
  async join(tx: EntityManager, status: StatusRecord, conversationId: string): Promise<void> {
    if (status.visibility !== 'direct') return;
    const participants = [...new Set([status.accountId, ...status.mentions])];
    await tx.query(
      `INSERT INTO statuses.account_conversations AS ac
         (account_id, conversation_id, participant_account_ids, status_ids, last_status_id, unread)
       SELECT r.id, $1, ARRAY(SELECT p FROM unnest($3::bigint[]) p WHERE p <> r.id ORDER BY p),
              ARRAY[$2::bigint], $2, r.id <> $4::bigint
         FROM unnest($3::bigint[]) AS r(id)
       ON CONFLICT ON CONSTRAINT account_conversations_account_conversation_participants_key DO UPDATE
         SET status_ids = ARRAY(SELECT DISTINCT x FROM unnest(ac.status_ids || EXCLUDED.status_ids) x ORDER BY x),
             last_status_id = GREATEST(ac.last_status_id, EXCLUDED.last_status_id),
             unread = EXCLUDED.unread,
             updated_at = now()`,
      [conversationId, status.id, participants, status.accountId],
    );
  }

  /** Takes a deleted direct status out of the conversations holding it; emptied ones go. */
  async leave(tx: EntityManager, status: StatusRecord): Promise<void> {
    if (status.visibility !== 'direct') return;
    const held = `conversation_id = (SELECT conversation_id FROM statuses.statuses WHERE id = $1)
      AND $1::bigint = ANY(status_ids)`;
    await tx.query(
      `DELETE FROM statuses.account_conversations WHERE ${held} AND cardinality(status_ids) = 1`,
      [status.id],
    );
    await tx.query(
      `UPDATE statuses.account_conversations
          SET status_ids = array_remove(status_ids, $1::bigint),
              last_status_id = (SELECT max(x) FROM unnest(array_remove(status_ids, $1::bigint)) x),
              updated_at = now()
        WHERE ${held}`,
      [status.id],
    );
  }

  /** The account's conversations, most recent last status first. */
  async list(accountId: string, page: PageRequest): Promise<ConversationRecord[]> {
    const p = pageSql('ac.last_status_id', page, [accountId]);
    const rows: ConversationRow[] = await this.db.query(
      `SELECT ${CONVERSATION_COLUMNS} FROM ${FROM_CONVERSATIONS}
        WHERE ac.account_id = $1${p.where} ORDER BY ${p.order} LIMIT ${p.limit}`,
      p.params,
    );
    return (p.ascending ? rows.reverse() : rows).map(toConversation);
  }

  async ofStatus(accountId: string, statusId: string): Promise<ConversationRecord | null> {
    const [row]: ConversationRow[] = await this.db.query(
      `SELECT ${CONVERSATION_COLUMNS} FROM ${FROM_CONVERSATIONS}
        WHERE ac.account_id = $1 AND $2::bigint = ANY(ac.status_ids)
        ORDER BY ac.last_status_id DESC LIMIT 1`,
      [accountId, statusId],
    );
    return row ? toConversation(row) : null;
  }

  async markRead(accountId: string, conversationId: string): Promise<ConversationRecord> {
    await this.db.query(
      `UPDATE statuses.account_conversations SET unread = false, updated_at = now()
        WHERE id = $1 AND account_id = $2 AND unread`,
      [conversationId, accountId],
    );
    const [row]: ConversationRow[] = await this.db.query(
      `SELECT ${CONVERSATION_COLUMNS} FROM ${FROM_CONVERSATIONS} WHERE ac.id = $1 AND ac.account_id = $2`,
      [conversationId, accountId],
    );
    if (!row) throw notFound();
    return toConversation(row);
  }

  async remove(accountId: string, conversationId: string): Promise<void> {
    const removed: { id: string }[] = await this.db.query(
      `WITH removed AS (
         DELETE FROM statuses.account_conversations WHERE id = $1 AND account_id = $2 RETURNING id)
       SELECT id FROM removed`,
      [conversationId, accountId],
    );
    if (!removed.length) throw notFound();
  }

  /**
   * The thread a new status joins: its parent's, else a new one. A parent from before threads
   * were kept gets the new thread too (locked, so that two replies to it agree on one).
   */
  async threadOf(tx: EntityManager, parentId: string | null): Promise<string> {
    if (parentId) {
      const [parent]: { conversation_id: string | null }[] = await tx.query(
        `SELECT conversation_id FROM statuses.statuses WHERE id = $1 FOR UPDATE`,
        [parentId],
      );
      if (parent?.conversation_id) return parent.conversation_id;
      const started = await this.start(tx);
      await tx.query(`UPDATE statuses.statuses SET conversation_id = $2 WHERE id = $1`, [parentId, started]);
      return started;
    }
    return this.start(tx);
  }

  private async start(tx: EntityManager): Promise<string> {
    const [row]: { id: string }[] = await tx.query(
      `INSERT INTO statuses.conversations DEFAULT VALUES RETURNING id`,
    );
    return row.id;
  }
}
