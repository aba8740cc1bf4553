import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { contracts, type ScheduledStatusRecord, type UserState } from '@mammut/contracts';
import { type MScheduledStatus, type SerializeContext, serializeScheduledStatus } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { isId } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { StatusPresenter } from './statuses/status-presenter';
import { scheduledAtOf } from './statuses/status-params';

const c = contracts.statuses.scheduledStatuses;

/**
 * The viewer's own scheduled statuses (they are made by `POST /api/v1/statuses` with
 * `scheduled_at`): listed by id, moved to another time, cancelled. Someone else's is 404.
 */
@Controller('api/v1/scheduled_statuses')
export class ScheduledStatusesController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  /** Scheduled statuses with the uploads they hold, in one media request. */
  private async present(records: readonly ScheduledStatusRecord[]): Promise<MScheduledStatus[]> {
    const media = await this.presenter.mediaById(records.flatMap((scheduled) => scheduled.params.mediaIds));
    return records.map((scheduled) => serializeScheduledStatus(scheduled, media));
  }

  private async presentOne(scheduled: ScheduledStatusRecord): Promise<MScheduledStatus> {
    return (await this.present([scheduled]))[0];
  }

  /** Newest first, paged by id; `next` only after a full page, as Mastodon gives it. */
  @Get()
  @Auth.user('read:statuses')
  async list(
    @CurrentUser() user: UserState,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MScheduledStatus[]> {
    const { scheduledStatuses } = await this.bus.request(c.listScheduledStatuses, {
      accountId: user.accountId,
      page: page.params,
    });
    setListLinkHeader(
      scheduledStatuses.map((scheduled) => ({ cursor: scheduled.id })),
      page,
      this.ctx.origin,
    );
    return this.present(scheduledStatuses);
  }

  @Get(':id')
  @Auth.user('read:statuses')
  async one(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MScheduledStatus> {
    return this.presentOne(await this.own(user.accountId, id));
  }

  /**
   * Moves it to `scheduled_at`, under the rules it was scheduled by (at least five minutes ahead,
   * the daily limit); only `scheduled_at` changes. Without one it stays as it is.
   */
  @Put(':id')
  @Auth.user('write:statuses')
  async update(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MScheduledStatus> {
    const scheduledAt = scheduledAtOf(body ?? {});
    if (!scheduledAt) return this.presentOne(await this.own(user.accountId, id));
    if (!isId(id)) throw Errors.notFound();
    const moved = await this.bus.request(c.rescheduleScheduledStatus, {
      accountId: user.accountId,
      scheduledStatusId: id,
      scheduledAt: scheduledAt.toISOString(),
    });
    return this.presentOne(moved);
  }

  @Delete(':id')
  @HttpCode(200)
  @Auth.user('write:statuses')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    if (!isId(id)) throw Errors.notFound();
    await this.bus.request(c.deleteScheduledStatus, { accountId: user.accountId, scheduledStatusId: id });
    return {};
  }

  private async own(accountId: string, id: string): Promise<ScheduledStatusRecord> {
    if (!isId(id)) throw Errors.notFound();
    const { scheduledStatuses } = await this.bus.request(c.getScheduledStatuses, { accountId, ids: [id] });
    if (!scheduledStatuses[0]) throw Errors.notFound();
    return scheduledStatuses[0];
  }
}
