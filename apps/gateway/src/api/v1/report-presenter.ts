import { Inject, Injectable } from '@nestjs/common';
import { contracts, type ReportRecord } from '@mammut/contracts';
import { type MReport, type SerializeContext, serializeReport } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

/**
 * Reports as the Report entity shows them (in `admin.report` notifications): the reports from
 * moderation and their target accounts, one request each per page. A report gone, or whose target
 * is, is not in the map.
 */
@Injectable()
export class ReportPresenter {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  async byId(ids: readonly string[]): Promise<Map<string, MReport>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const { reports } = await this.bus.request(contracts.moderation.reports.getReports, { ids: unique });
    return this.present(reports);
  }

  /** The reports given, each with its target account. */
  async present(reports: readonly ReportRecord[]): Promise<Map<string, MReport>> {
    const targetIds = [...new Set(reports.map((report) => report.targetAccountId))];
    const { accounts } = targetIds.length
      ? await this.bus.request(contracts.accounts.profiles.getAccounts, { ids: targetIds })
      : { accounts: [] };
    const targets = new Map(accounts.map((account) => [account.id, account]));
    return new Map(
      reports.flatMap((report) => {
        const target = targets.get(report.targetAccountId);
        return target ? [[report.id, serializeReport(report, target, this.ctx)] as const] : [];
      }),
    );
  }
}
