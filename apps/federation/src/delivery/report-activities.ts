import { Inject, Injectable } from '@nestjs/common';
import { contracts, INSTANCE_ACTOR_SIGNER, type ReportRecord } from '@mammut/contracts';
import {
  BUS,
  type Bus,
  CONFIG,
  type Config,
  EventSubscriber,
  type EventMeta,
  on,
  RUNTIME,
  type Runtime,
  type Subscription,
} from '@mammut/platform';
import type { DataSource } from 'typeorm';
import { flagOf } from '../actors/instance-activities';
import { InstanceActor } from '../actors/instance-actor';
import { FEDERATION_DB, FEDERATION_SCHEMA } from '../database/federation-database';
import { ActivityDelivery } from './delivery';

/**
 * A report a local user asked to forward, sent to the reported account's server as Mastodon's
 * ReportService does (ActivityPub::FlagSerializer): a Flag from the instance actor, so the reporter
 * stays anonymous, naming the account and the reported statuses, with the comment as content, to
 * the account's own inbox. The job id derives from the event: a redelivered event sends one Flag.
 */
@Injectable()
export class ReportActivities extends EventSubscriber {
  constructor(
    @Inject(RUNTIME) runtime: Runtime,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(CONFIG) private readonly config: Config,
    @Inject(FEDERATION_DB) db: DataSource,
    private readonly instanceActor: InstanceActor,
    private readonly delivery: ActivityDelivery,
  ) {
    super(runtime, { schema: FEDERATION_SCHEMA, dataSource: db });
  }

  protected subscriptions(): Subscription[] {
    return [
      {
        consumer: 'federation-reports',
        concurrency: 2,
        handlers: [
          on(contracts.moderation.reports.events.reportCreated, ({ report, forward }, _tx, meta) =>
            forward ? this.flag(report, meta) : Promise.resolve(),
          ),
        ],
      },
    ];
  }

  private async flag(report: ReportRecord, meta: EventMeta): Promise<void> {
    const { actors } = await this.bus.request(contracts.accounts.remote.getActors, {
      ids: [report.targetAccountId],
    });
    const target = actors[0];
    if (!target || target.domain === null || !target.inboxUrl) return;
    const { statuses } = report.statusIds.length
      ? await this.bus.request(contracts.statuses.statuses.getStatuses, { ids: report.statusIds })
      : { statuses: [] };
    const flag = flagOf({
      id: `${this.config.publicOrigin}/reports/${meta.eventId}`,
      instanceActorId: this.instanceActor.id,
      comment: report.comment,
      accountUri: target.uri,
      statusUris: statuses.map((status) => status.uri),
    });
    await this.delivery.enqueue(
      { inbox: target.inboxUrl, activity: JSON.stringify(flag), signerAccountId: INSTANCE_ACTOR_SIGNER },
      `report-flag:${meta.eventId}`,
    );
  }
}
