import { Inject, Injectable } from '@nestjs/common';
import {
  ContractError,
  contracts,
  REPORT_LIMITS,
  type ReportCategory,
  type ReportRecord,
  type RequestOf,
} from '@mammut/contracts';
import { BUS, type Bus, logger, type Outbox } from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { MODERATION_DB, MODERATION_OUTBOX } from '../database/moderation-database';

type NewReport = RequestOf<typeof contracts.moderation.reports.create>;

interface Row {
  id: string;
  account_id: string;
  target_account_id: string;
  status_ids: string[];
  rule_ids: string[] | null;
  comment: string;
  category: ReportCategory;
  forwarded: boolean;
  uri: string | null;
  action_taken_at: Date | null;
  created_at: Date;
}

const COLUMNS = `id::text AS id, account_id::text AS account_id, target_account_id::text AS target_account_id,
  status_ids::text[] AS status_ids, rule_ids::text[] AS rule_ids, comment, category, forwarded, uri,
  action_taken_at, created_at`;

const toRecord = (row: Row): ReportRecord => ({
  id: row.id,
  accountId: row.account_id,
  targetAccountId: row.target_account_id,
  statusIds: row.status_ids,
  ruleIds: row.rule_ids,
  comment: row.comment,
  category: row.category,
  forwarded: row.forwarded,
  uri: row.uri,
  actionTakenAt: row.action_taken_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
});

/**
 * Reports, as Mastodon's ReportService files them: against an account that is there and not
 * suspended, about statuses of that account only, with a comment of at most 1,000 characters from
 * a local reporter (a remote one's is cut at 5,000), in the category asked for (`violation` when
 * rules are named; `other` by default). The server has no rules yet, so naming one is refused. A
 * report about a remote account may be forwarded: the event asks federation to send the Flag. A
 * Flag that arrives twice (same id) is one report per account it names.
 */
@Injectable()
export class Reports {
  private readonly log = logger('moderation:reports');

  constructor(
    @Inject(MODERATION_DB) private readonly db: DataSource,
    @Inject(MODERATION_OUTBOX) private readonly outbox: Outbox,
    @Inject(BUS) private readonly bus: Bus,
  ) {}

  async create(input: NewReport): Promise<ReportRecord> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [input.accountId, input.targetAccountId],
    });
    const reporter = actors.find((actor) => actor.id === input.accountId);
    const target = actors.find((actor) => actor.id === input.targetAccountId);
    if (!reporter) throw new ContractError('not_found', 'The reporter is not known');
    if (!target || target.suspended) throw new ContractError('not_found', 'Record not found');
    const local = reporter.domain === null;
    if (local && input.comment.length > REPORT_LIMITS.commentLength)
      throw new ContractError(
        'unprocessable',
        `Validation failed: Comment is too long (maximum is ${REPORT_LIMITS.commentLength} characters)`,
      );
    if (input.ruleIds.length)
      throw new ContractError('unprocessable', 'Validation failed: Rule ids does not reference valid rules');
    const statusIds = await this.statusesOf(input.targetAccountId, input.statusIds);
    const forward = input.forward && target.domain !== null;
    const comment = local ? input.comment : input.comment.slice(0, REPORT_LIMITS.remoteCommentLength);
    return this.db.transaction(async (tx) => {
      const rows: Row[] = await tx.query(
        `INSERT INTO moderation.reports
           (account_id, target_account_id, status_ids, comment, category, forwarded, uri)
         VALUES ($1, $2, $3::bigint[], $4, $5, $6, $7)
         ON CONFLICT (uri, target_account_id) WHERE uri IS NOT NULL DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          input.accountId,
          input.targetAccountId,
          statusIds,
          comment,
          input.category ?? 'other',
          forward,
          input.uri,
        ],
      );
      if (!rows[0]) {
        const [known]: Row[] = await tx.query(
          `SELECT ${COLUMNS} FROM moderation.reports WHERE uri = $1 AND target_account_id = $2`,
          [input.uri, input.targetAccountId],
        );
        return toRecord(known);
      }
      const report = toRecord(rows[0]);
      await this.outbox.add(tx, contracts.moderation.reports.events.reportCreated, { report, forward });
      this.log.info(
        { reportId: report.id, targetAccountId: report.targetAccountId, forward },
        'report filed',
      );
      return report;
    });
  }

  async get(ids: readonly string[]): Promise<ReportRecord[]> {
    if (!ids.length) return [];
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM moderation.reports WHERE id = ANY($1::bigint[]) ORDER BY id DESC`,
      [ids],
    );
    return rows.map(toRecord);
  }

  async list(resolved: boolean, limit: number): Promise<ReportRecord[]> {
    const rows: Row[] = await this.db.query(
      `SELECT ${COLUMNS} FROM moderation.reports
       WHERE (action_taken_at IS NOT NULL) = $1 ORDER BY id DESC LIMIT $2`,
      [resolved, limit],
    );
    return rows.map(toRecord);
  }

  /** The statuses named, each of which must be the target's (Mastodon's `find` is a 404 otherwise). */
  private async statusesOf(targetAccountId: string, ids: readonly string[]): Promise<string[]> {
    const wanted = [...new Set(ids)];
    if (!wanted.length) return [];
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: wanted });
    const owned = new Set(
      statuses.filter((status) => status.accountId === targetAccountId).map((status) => status.id),
    );
    if (wanted.some((statusId) => !owned.has(statusId)))
      throw new ContractError('not_found', 'Record not found');
    return wanted;
  }
}
