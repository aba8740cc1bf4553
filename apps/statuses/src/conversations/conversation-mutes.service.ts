import { Inject, Injectable } from '@nestjs/common';
import { ContractError, notFound, type StatusRecord } from '@mammut/contracts';
import type { DataSource } from 'typeorm';
import { STATUSES_DB } from '../database/statuses-database';
import { StatusesQueries } from '../statuses/statuses.queries';

/**
 * Muted threads (Mastodon's conversation mutes): an account that wrote a status or is mentioned
 * by it may mute its thread, and then gets no notification about any status of that thread. Both
 * directions are idempotent, as Mastodon's.
 */
@Injectable()
export class ConversationMutes {
  constructor(
    @Inject(STATUSES_DB) private readonly db: DataSource,
    private readonly queries: StatusesQueries,
  ) {}

  async mute(accountId: string, statusId: string): Promise<StatusRecord> {
    const { status, conversationId } = await this.participating(accountId, statusId);
    await this.db.query(
      `INSERT INTO statuses.conversation_mutes (account_id, conversation_id) VALUES ($1, $2)
       ON CONFLICT (account_id, conversation_id) DO NOTHING`,
      [accountId, conversationId],
    );
    return status;
  }

  async unmute(accountId: string, statusId: string): Promise<StatusRecord> {
    const { status, conversationId } = await this.participating(accountId, statusId);
    await this.db.query(
      `DELETE FROM statuses.conversation_mutes WHERE account_id = $1 AND conversation_id = $2`,
      [accountId, conversationId],
    );
    return status;
  }

  /** Of `accountIds`, those who muted the thread of the status. */
  async mutersAmong(statusId: string, accountIds: string[]): Promise<string[]> {
    if (!accountIds.length) return [];
    const rows: { account_id: string }[] = await this.db.query(
      `SELECT cm.account_id::text AS account_id
         FROM statuses.statuses s
         JOIN statuses.conversation_mutes cm ON cm.conversation_id = s.conversation_id
        WHERE s.id = $1 AND cm.account_id = ANY($2::bigint[])`,
      [statusId, accountIds],
    );
    return rows.map((row) => row.account_id);
  }

  /**
   * The status and its thread, when the account wrote it or is mentioned by it: 404 for a status
   * that is gone, 422 for anyone else (and for a status from before threads were kept, which
   * has none, as Mastodon answers a status without a conversation).
   */
  private async participating(
    accountId: string,
    statusId: string,
  ): Promise<{ status: StatusRecord; conversationId: string }> {
    const { statuses } = await this.queries.byIds([statusId]);
    const status = statuses[0];
    if (!status) throw notFound();
    const [row]: { conversation_id: string | null }[] = await this.db.query(
      `SELECT conversation_id FROM statuses.statuses WHERE id = $1`,
      [statusId],
    );
    const participant = status.accountId === accountId || status.mentions.includes(accountId);
    if (!participant || !row?.conversation_id)
      throw new ContractError(
        'unprocessable',
        'Validation failed: You are not a participant in this conversation',
      );
    return { status, conversationId: row.conversation_id };
  }
}
