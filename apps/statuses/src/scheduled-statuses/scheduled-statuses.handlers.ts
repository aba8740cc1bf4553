import { Injectable } from '@nestjs/common';
import { contracts, defineHandlers } from '@mammut/contracts';
import { ScheduleStatus } from './schedule-status.service';
import { ScheduledStatusesRepository } from './scheduled-statuses.repository';

@Injectable()
export class ScheduledStatusesHandlers {
  constructor(
    private readonly scheduleStatus: ScheduleStatus,
    private readonly repository: ScheduledStatusesRepository,
  ) {}

  readonly bound = defineHandlers(contracts.statuses.scheduledStatuses, {
    createScheduledStatus: (request) => this.scheduleStatus.execute(request),
    listScheduledStatuses: async ({ accountId, page }) => ({
      scheduledStatuses: await this.repository.list(accountId, page),
    }),
    getScheduledStatuses: async ({ accountId, ids }) => ({
      scheduledStatuses: await this.repository.byIds(accountId, ids),
    }),
    rescheduleScheduledStatus: ({ accountId, scheduledStatusId, scheduledAt }) =>
      this.scheduleStatus.reschedule(accountId, scheduledStatusId, scheduledAt),
    deleteScheduledStatus: ({ accountId, scheduledStatusId }) =>
      this.scheduleStatus.delete(accountId, scheduledStatusId),
  });
}
