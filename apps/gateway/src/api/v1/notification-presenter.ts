import { Inject, Injectable } from '@nestjs/common';
import { contracts, type NotificationRecord } from '@mammut/contracts';
import { type MNotification, type SerializeContext, serializeNotification } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { ReportPresenter } from './report-presenter';
import { StatusPresenter } from './statuses/status-presenter';

/** Notifications as a viewer sees them, over REST and streaming alike. */
@Injectable()
export class NotificationPresenter {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
    private readonly reports: ReportPresenter,
  ) {}

  /**
   * Hydrates notifications with their actors, statuses and reports, leaving out those whose status
   * the viewer may no longer see (deleted, hidden by a block), whose report is gone and those whose
   * actor is gone.
   */
  async present(notifications: readonly NotificationRecord[], viewerId: string): Promise<MNotification[]> {
    if (!notifications.length) return [];
    const statusIds = [...new Set(notifications.flatMap((n) => n.statusId ?? []))];
    const fromIds = [...new Set(notifications.map((n) => n.fromAccountId))];
    const [{ statuses }, { accounts }, reports] = await Promise.all([
      statusIds.length
        ? this.bus.request(contracts.statuses.statuses.getStatuses, { ids: statusIds })
        : { statuses: [] },
      this.bus.request(contracts.accounts.profiles.getAccounts, { ids: fromIds }),
      this.reports.byId(notifications.flatMap((n) => n.reportId ?? [])),
    ]);
    // A notification whose status a `hide` filter of notifications matches goes with it.
    const shown = await this.presenter.present(statuses, viewerId, { filterContext: 'notifications' });
    const presented = new Map(shown.map((s) => [s.id, s]));
    const actors = new Map(accounts.map((account) => [account.id, account]));
    return notifications.flatMap((notification) => {
      const from = actors.get(notification.fromAccountId);
      if (!from || from.suspended) return [];
      const status = notification.statusId ? presented.get(notification.statusId) : undefined;
      if (notification.statusId && !status) return [];
      const report = notification.reportId ? reports.get(notification.reportId) : undefined;
      if (notification.reportId && !report) return [];
      return [serializeNotification(notification, from, status, this.ctx, report)];
    });
  }
}
