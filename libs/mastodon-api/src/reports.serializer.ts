import type { AccountRecord, ReportRecord } from '@mammut/contracts';
import { serializeAccount } from './accounts.serializer';
import type { SerializeContext } from './context';
import type { MAccount } from './entities';

/** Mastodon's Report entity (REST::ReportSerializer), as its reporter sees it. */
export interface MReport {
  id: string;
  action_taken: boolean;
  action_taken_at: string | null;
  category: ReportRecord['category'];
  comment: string;
  forwarded: boolean;
  created_at: string;
  status_ids: string[];
  rule_ids: string[] | null;
  target_account: MAccount;
}

export function serializeReport(report: ReportRecord, target: AccountRecord, ctx: SerializeContext): MReport {
  return {
    id: report.id,
    action_taken: report.actionTakenAt !== null,
    action_taken_at: report.actionTakenAt,
    category: report.category,
    comment: report.comment,
    forwarded: report.forwarded,
    created_at: report.createdAt,
    status_ids: report.statusIds,
    rule_ids: report.ruleIds,
    target_account: serializeAccount(target, ctx),
  };
}
