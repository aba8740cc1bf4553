import { Body, Controller, Delete, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import {
  contracts,
  STATUS_LIMITS,
  type TokenGrant,
  type UserState,
  visibility,
  type Visibility,
} from '@mammut/contracts';
import {
  type MScheduledStatus,
  type MStatus,
  type SerializeContext,
  serializeScheduledStatus,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, Grant, ViewerAccountId } from '../../../auth/auth.decorator';
import { type ListPage, Page } from '../../../http/account-page';
import { Errors } from '../../../http/errors';
import { setLinkHeader } from '../../../http/pagination';
import { isId, toBool, toStr, toStrList } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { mediaIdsOf, pollOf, refuseUnsupported, scheduledAtOf, spoilerTextOf } from './status-params';
import { StatusPresenter } from './status-presenter';
import { listableVisibilities } from './status-rules';

/** Posting, reading and deleting statuses; every status shown passes the viewer's rules. */
@Controller()
export class StatusesController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  /**
   * Posts a status, or with `scheduled_at` schedules it (checked the same way) and answers the
   * ScheduledStatus; a time already past posts it now, as Mastodon does.
   */
  @Post('api/v1/statuses')
  @HttpCode(200)
  @Auth.user('write:statuses')
  async create(
    @Grant() grant: TokenGrant,
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ): Promise<MStatus | MScheduledStatus> {
    const b = body ?? {};
    const scheduledAt = scheduledAtOf(b);
    const scheduled = scheduledAt !== null && scheduledAt.getTime() > Date.now();
    refuseUnsupported(b);
    const text = toStr(b.status) ?? '';
    const spoilerText = spoilerTextOf(b);
    const poll = pollOf(b);
    const requested = toStr(b.visibility);
    if (requested !== undefined && requested !== '' && !visibility.safeParse(requested).success) {
      throw Errors.unprocessable('Validation failed: Visibility is not included in the list', {
        visibility: [{ error: 'ERR_INCLUSION', description: 'is not included in the list' }],
      });
    }
    if (idempotencyKey !== undefined && (idempotencyKey.length === 0 || idempotencyKey.length > 256)) {
      throw Errors.unprocessable('Validation failed: Idempotency-Key must be 1 to 256 characters', {
        'Idempotency-Key': [{ error: 'ERR_INVALID', description: 'must be 1 to 256 characters' }],
      });
    }
    const inReplyTo = toStr(b.in_reply_to_id) || undefined;
    // Only to a status the author may see: 404 otherwise, as for one that does not exist.
    if (inReplyTo !== undefined && !(await this.presenter.findVisible(inReplyTo, user.accountId)))
      throw Errors.notFound();
    const credentials =
      !requested || b.language === undefined
        ? await this.bus.request(contracts.accounts.profiles.getCredentials, { accountId: user.accountId })
        : undefined;
    const request = {
      accountId: user.accountId,
      applicationId: grant.applicationId,
      text,
      spoilerText,
      sensitive: toBool(b.sensitive) ?? false,
      language: toStr(b.language) || credentials?.language || null,
      visibility: (requested || credentials?.privacy || 'public') as Visibility,
      inReplyToId: inReplyTo ?? null,
      idempotencyKey: idempotencyKey ?? null,
      poll,
      mediaIds: mediaIdsOf(b),
    };
    if (scheduledAt && scheduled) {
      const scheduled = await this.bus.request(contracts.statuses.scheduledStatuses.createScheduledStatus, {
        ...request,
        scheduledAt: scheduledAt.toISOString(),
      });
      return serializeScheduledStatus(scheduled, await this.presenter.mediaById(scheduled.params.mediaIds));
    }
    const status = await this.bus.request(contracts.statuses.statuses.createStatus, request);
    const [presented] = await this.presenter.present([status], user.accountId);
    return presented;
  }

  @Get('api/v1/statuses')
  @Auth.optional('read:statuses')
  async many(
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewer: string | null,
  ): Promise<MStatus[]> {
    const ids = toStrList(query.id).filter(isId).slice(0, STATUS_LIMITS.batch);
    if (!ids.length) return [];
    const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids });
    return this.presenter.present(statuses, viewer, { reblogged });
  }

  @Get('api/v1/statuses/:id')
  @Auth.optional('read:statuses')
  async one(@Param('id') id: string, @ViewerAccountId() viewer: string | null): Promise<MStatus> {
    return this.visibleOne(id, viewer);
  }

  /**
   * The thread around a status the viewer may see, each status passing the viewer's rules;
   * signed out, Mastodon's smaller limits (40 above, 60 below, 20 deep).
   */
  @Get('api/v1/statuses/:id/context')
  @Auth.optional('read:statuses')
  async context(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
  ): Promise<{ ancestors: MStatus[]; descendants: MStatus[] }> {
    if (!(await this.presenter.findVisible(id, viewer))) throw Errors.notFound();
    const limits = viewer
      ? { ancestors: 4096, descendants: 4096, depth: 4096 }
      : { ancestors: 40, descendants: 60, depth: 20 };
    const thread = await this.bus.request(contracts.statuses.statuses.getContext, {
      statusId: id,
      ...limits,
    });
    const [ancestors, descendants] = await Promise.all([
      this.presenter.present(thread.ancestors, viewer, { context: 'public', filterContext: 'thread' }),
      this.presenter.present(thread.descendants, viewer, { context: 'public', filterContext: 'thread' }),
    ]);
    return { ancestors, descendants };
  }

  /**
   * Deletes one's own status, answering it with its source for delete and redraft: its media stay
   * for the redraft (unattached, swept a day later if no status takes them) unless `delete_media`
   * (Mastodon 4.4) asks them gone at once.
   */
  @Delete('api/v1/statuses/:id')
  @Auth.user('write:statuses')
  async remove(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Body() body: Record<string, unknown> | undefined,
    @CurrentUser() user: UserState,
  ): Promise<MStatus> {
    if (!isId(id)) throw Errors.notFound();
    const deleted = await this.bus.request(contracts.statuses.statuses.deleteStatus, {
      accountId: user.accountId,
      statusId: id,
      deleteMedia: toBool(query.delete_media ?? body?.delete_media) === true,
    });
    const [presented] = await this.presenter.present([deleted], user.accountId, { withText: true });
    return presented;
  }

  @Get('api/v1/accounts/:id/statuses')
  @Auth.optional('read:statuses')
  async byAccount(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewer: string | null,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MStatus[]> {
    if (!isId(id)) throw Errors.notFound();
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, { ids: [id] });
    const author = accounts[0];
    if (!author) throw Errors.notFound();
    if (author.suspended) return [];
    const facts =
      viewer && viewer !== id
        ? (
            await this.bus.request(contracts.accounts.relationships.getRelationships, {
              viewerId: viewer,
              ids: [id],
              withSuspended: false,
            })
          ).relationships[0]
        : undefined;
    const listable = listableVisibilities(id, viewer, facts);
    if (!listable) return [];
    const pinned = toBool(query.pinned) ?? false;
    const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.listAuthorStatuses, {
      accountId: id,
      ...listable,
      // Pinned statuses are the public and unlisted ones, listed to whoever may see the profile.
      ...(pinned ? { visibilities: ['public', 'unlisted'] as Visibility[], mentioning: null } : {}),
      pinned,
      excludeReplies: toBool(query.exclude_replies) ?? false,
      excludeReblogs: toBool(query.exclude_reblogs) ?? false,
      tagged: toStr(query.tagged)?.replace(/^#/, '').toLowerCase() || null,
      onlyMedia: toBool(query.only_media) ?? false,
      page: page.params,
    });
    if (!pinned)
      setLinkHeader(page.request, page.reply, this.ctx.origin, {
        newest: statuses[0]?.id,
        oldest: statuses.at(-1)?.id,
      });
    return this.presenter.present(statuses, viewer, { reblogged, filterContext: 'account' });
  }

  /** The status, if the viewer may see it; 404 otherwise, as for one that does not exist. */
  private async visibleOne(id: string, viewer: string | null): Promise<MStatus> {
    if (!isId(id)) throw Errors.notFound();
    const { statuses, reblogged } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
      ids: [id],
    });
    const [presented] = await this.presenter.present(statuses, viewer, { reblogged });
    if (!presented) throw Errors.notFound();
    return presented;
  }
}
