import { Inject, Injectable } from '@nestjs/common';
import {
  type AccountRecord,
  contracts,
  type NotificationGroupRecord,
  type NotificationRequestRecord,
} from '@mammut/contracts';
import {
  type MGroupedNotificationsResults,
  type MNotificationRequest,
  type MStatus,
  type SerializeContext,
  serializeAccount,
  serializeNotificationGroup,
  serializeNotificationRequest,
  serializePartialAccount,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { ReportPresenter } from '../v1/report-presenter';
import { StatusPresenter } from '../v1/statuses/status-presenter';

/** How many accounts one accounts request carries. */
const BATCH = 200;

/**
 * Notification groups and notification requests as a viewer sees them: the accounts they name
 * and the statuses they are about, fetched once per page (accounts in batches, statuses through
 * the StatusPresenter's rules), never once per item. A group or request whose actor is gone or
 * suspended, or whose status the viewer may not see, is left out, as the v1 list leaves them out.
 */
@Injectable()
export class NotificationGroupPresenter {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
    private readonly reports: ReportPresenter,
  ) {}

  async groups(
    groups: readonly NotificationGroupRecord[],
    viewerId: string,
    expand: 'full' | 'partial_avatars' = 'full',
  ): Promise<MGroupedNotificationsResults> {
    const [accounts, statuses, reports] = await Promise.all([
      this.accounts(groups.flatMap((g) => [g.notification.fromAccountId, ...g.sampleAccountIds])),
      this.statuses(
        groups.flatMap((g) => g.notification.statusId ?? []),
        viewerId,
      ),
      this.reports.byId(groups.flatMap((g) => g.notification.reportId ?? [])),
    ]);
    const shown = groups.filter((group) => {
      const { fromAccountId, statusId, reportId } = group.notification;
      if (!accounts.has(fromAccountId)) return false;
      if (reportId && !reports.has(reportId)) return false;
      return !statusId || statuses.has(statusId);
    });
    const samplesOf = (group: NotificationGroupRecord): string[] =>
      group.sampleAccountIds.filter((id) => accounts.has(id));
    // The newest account of each group in full; with partial avatars, the others stripped down.
    const full = new Set<string>();
    const partial = new Set<string>();
    for (const group of shown) {
      const [newest, ...others] = samplesOf(group);
      if (newest) full.add(newest);
      for (const id of others) (expand === 'full' ? full : partial).add(id);
    }
    for (const id of full) partial.delete(id);
    const account = (id: string): AccountRecord => accounts.get(id) as AccountRecord;
    const results: MGroupedNotificationsResults = {
      accounts: [...full].map((id) => serializeAccount(account(id), this.ctx)),
      statuses: [...new Set(shown.flatMap((g) => g.notification.statusId ?? []))].map(
        (id) => statuses.get(id) as MStatus,
      ),
      notification_groups: shown.map((group) =>
        serializeNotificationGroup(
          group,
          samplesOf(group),
          group.notification.reportId ? reports.get(group.notification.reportId) : undefined,
        ),
      ),
    };
    if (expand === 'partial_avatars') {
      results.partial_accounts = [...partial].map((id) => serializePartialAccount(account(id), this.ctx));
    }
    return results;
  }

  async requests(
    requests: readonly NotificationRequestRecord[],
    viewerId: string,
  ): Promise<MNotificationRequest[]> {
    const [accounts, statuses] = await Promise.all([
      this.accounts(requests.map((r) => r.fromAccountId)),
      this.statuses(
        requests.flatMap((r) => r.lastStatusId ?? []),
        viewerId,
      ),
    ]);
    return requests.flatMap((request) => {
      const from = accounts.get(request.fromAccountId);
      if (!from) return [];
      const last = request.lastStatusId ? statuses.get(request.lastStatusId) : undefined;
      return [serializeNotificationRequest(request, from, last, this.ctx)];
    });
  }

  /** The accounts among `ids` that exist and are not suspended. */
  async accounts(ids: readonly string[]): Promise<Map<string, AccountRecord>> {
    const unique = [...new Set(ids)];
    const batches: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH) batches.push(unique.slice(i, i + BATCH));
    const found = await Promise.all(
      batches.map(
        async (batch) =>
          (await this.bus.request(contracts.accounts.profiles.getAccounts, { ids: batch })).accounts,
      ),
    );
    return new Map(
      found
        .flat()
        .filter((account) => !account.suspended)
        .map((account) => [account.id, account]),
    );
  }

  /** The statuses among `ids` that the viewer may see, presented. */
  private async statuses(ids: readonly string[], viewerId: string): Promise<Map<string, MStatus>> {
    const unique = [...new Set(ids)];
    if (!unique.length) return new Map();
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: unique });
    return new Map((await this.presenter.present(statuses, viewerId)).map((status) => [status.id, status]));
  }
}
