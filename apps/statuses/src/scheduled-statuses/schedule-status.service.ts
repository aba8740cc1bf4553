import { Injectable } from '@nestjs/common';
import { ContractError, type RequestOf, type ScheduledStatusRecord, contracts } from '@mammut/contracts';
import { CreateStatus } from '../statuses/create-status.service';
import { PostingIdempotency } from '../statuses/posting-idempotency';
import { ScheduledStatusesRepository } from './scheduled-statuses.repository';

type NewScheduledStatus = RequestOf<typeof contracts.statuses.scheduledStatuses.createScheduledStatus>;

/**
 * `POST /api/v1/statuses` with `scheduled_at` (Mastodon's PostStatusService#schedule_status!): the
 * status is checked exactly as a new one is (CreateStatus#validated), then the schedule is checked
 * and the request stored as it will be posted. The `Idempotency-Key` works as for a new status.
 */
@Injectable()
export class ScheduleStatus {
  constructor(
    private readonly createStatus: CreateStatus,
    private readonly idempotency: PostingIdempotency,
    private readonly repository: ScheduledStatusesRepository,
  ) {}

  async execute(input: NewScheduledStatus): Promise<ScheduledStatusRecord> {
    const { scheduledAt, accountId, ...status } = input;
    // Kept media would have to wait attached to nothing: not yet (Mastodon keeps them on the row).
    if (status.mediaIds.length)
      throw new ContractError(
        'unprocessable',
        'Validation failed: media_ids cannot be used on this server yet',
      );
    const request = this.createStatus.validated({ accountId, ...status });
    const at = instantOf(scheduledAt);
    return this.idempotency.once(
      accountId,
      request.idempotencyKey,
      () =>
        this.repository.insert(accountId, at, {
          text: request.text,
          spoilerText: request.spoilerText,
          sensitive: request.sensitive,
          language: request.language,
          visibility: request.visibility,
          inReplyToId: request.inReplyToId,
          applicationId: request.applicationId,
          idempotencyKey: request.idempotencyKey,
          poll: request.poll,
        }),
      async (id) => (await this.repository.byIds(accountId, [id]))[0],
    );
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
