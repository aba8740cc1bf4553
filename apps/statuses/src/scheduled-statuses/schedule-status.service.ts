import { Inject, Injectable } from '@nestjs/common';
import { ContractError, type RequestOf, type ScheduledStatusRecord, contracts } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';
import { CreateStatus } from '../statuses/create-status.service';
import { PostingIdempotency } from '../statuses/posting-idempotency';
import { ScheduledStatusesRepository } from './scheduled-statuses.repository';

type NewScheduledStatus = RequestOf<typeof contracts.statuses.scheduledStatuses.createScheduledStatus>;

/**
 * `POST /api/v1/statuses` with `scheduled_at` (Mastodon's PostStatusService#schedule_status!): the
 * status is checked exactly as a new one is (CreateStatus#validated), then the schedule is checked
 * and the request stored as it will be posted. The `Idempotency-Key` works as for a new status.
 * Its uploads are checked as a new status's are, then held for it (the sweep of unattached
 * uploads leaves them) until it is published or deleted.
 */
@Injectable()
export class ScheduleStatus {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly createStatus: CreateStatus,
    private readonly idempotency: PostingIdempotency,
    private readonly repository: ScheduledStatusesRepository,
  ) {}

  async execute(input: NewScheduledStatus): Promise<ScheduledStatusRecord> {
    const { scheduledAt, accountId, ...status } = input;
    const request = this.createStatus.validated({ accountId, ...status });
    const at = instantOf(scheduledAt);
    const mediaIds = [...new Set(request.mediaIds)];
    if (mediaIds.length)
      await this.bus.request(contracts.media.attachments.attach, {
        accountId,
        statusId: null,
        checkOnly: true,
        ids: mediaIds,
      });
    return this.idempotency.once(
      accountId,
      request.idempotencyKey,
      async () => {
        const scheduled = await this.repository.insert(accountId, at, {
          text: request.text,
          spoilerText: request.spoilerText,
          sensitive: request.sensitive,
          language: request.language,
          visibility: request.visibility,
          inReplyToId: request.inReplyToId,
          applicationId: request.applicationId,
          idempotencyKey: request.idempotencyKey,
          poll: request.poll,
          mediaIds,
        });
        if (mediaIds.length) await this.holdMedia(scheduled);
        return scheduled;
      },
      async (id) => (await this.repository.byIds(accountId, [id]))[0],
    );
  }

  /** Cancels it; the uploads it held are unattached again. */
  async delete(accountId: string, id: string): Promise<ScheduledStatusRecord> {
    const deleted = await this.repository.delete(accountId, id);
    if (deleted.params.mediaIds.length)
      await this.bus.request(contracts.media.attachments.release, { accountId, scheduledStatusId: id });
    return deleted;
  }

  /**
   * Its uploads held for it; one deleted or taken in the moment since the check undoes the
   * scheduling (the media service's refusal is the answer).
   */
  private async holdMedia(scheduled: ScheduledStatusRecord): Promise<void> {
    try {
      await this.bus.request(contracts.media.attachments.attach, {
        accountId: scheduled.accountId,
        statusId: null,
        scheduledStatusId: scheduled.id,
        ids: scheduled.params.mediaIds,
      });
    } catch (error) {
      await this.repository.delete(scheduled.accountId, scheduled.id);
      // A request that timed out may still have held them on the media service's side.
      await this.bus.request(contracts.media.attachments.release, {
        accountId: scheduled.accountId,
        scheduledStatusId: scheduled.id,
      });
      throw error;
    }
  }

  reschedule(accountId: string, id: string, scheduledAt: string): Promise<ScheduledStatusRecord> {
    return this.repository.reschedule(accountId, id, instantOf(scheduledAt));
  }
}

/** The time asked for as an ISO instant; the caller parsed it, so anything else is a bad request. */
function instantOf(scheduledAt: string): string {
  const time = Date.parse(scheduledAt);
  if (Number.isNaN(time)) throw new ContractError('invalid_request', 'scheduledAt is not a date');
  return new Date(time).toISOString();
}
