import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import {
  type MStatus,
  type MStatusEdit,
  type MStatusSource,
  type SerializeContext,
  serializeStatusEdit,
  serializeStatusSource,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, ViewerAccountId } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { isId, toBool, toStr } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { mediaAttributesOf } from '../media/media-fields';
import { mediaIdsOf, pollOf, refuseUnsupported, spoilerTextOf } from './status-params';
import { StatusPresenter } from './status-presenter';

/** Editing one's statuses, and the versions and source text of a status one may see. */
@Controller()
export class StatusEditsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  /**
   * Mastodon's edit: what is sent replaces what was (a poll not sent is taken away), checked as a
   * new status is. Someone else's status, a reblog or one that does not exist: 404.
   */
  @Put('api/v1/statuses/:id')
  @Auth.user('write:statuses')
  async update(
    @Param('id') id: string,
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MStatus> {
    if (!isId(id)) throw Errors.notFound();
    const b = body ?? {};
    refuseUnsupported(b);
    const spoilerText = spoilerTextOf(b);
    const status = await this.bus.request(contracts.statuses.statuses.updateStatus, {
      accountId: user.accountId,
      statusId: id,
      text: toStr(b.status) ?? '',
      spoilerText,
      sensitive: toBool(b.sensitive) ?? false,
      language: toStr(b.language) || null,
      poll: pollOf(b),
      // Sent (even empty) replaces the attachments; absent keeps them (Mastodon's `key?(:media_ids)`).
      mediaIds: 'media_ids' in b || 'media_ids[]' in b ? mediaIdsOf(b) : undefined,
      mediaAttributes: mediaAttributesOf(b.media_attributes ?? b['media_attributes[]']),
    });
    const [presented] = await this.presenter.present([status], user.accountId);
    return presented;
  }

  /** Every version of a status the viewer may see, oldest first, the original included. */
  @Get('api/v1/statuses/:id/history')
  @Auth.optional('read:statuses')
  async history(@Param('id') id: string, @ViewerAccountId() viewer: string | null): Promise<MStatusEdit[]> {
    if (!(await this.presenter.findVisible(id, viewer))) throw Errors.notFound();
    const { edits } = await this.bus.request(contracts.statuses.statuses.listStatusEdits, { statusId: id });
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [...new Set(edits.map((edit) => edit.accountId))],
    });
    const byId = new Map(accounts.map((account) => [account.id, account]));
    const media = await this.presenter.mediaById(edits.flatMap((edit) => edit.mediaIds));
    return edits.map((edit) => serializeStatusEdit(edit, byId, this.ctx, media));
  }

  /** The source text of a status the viewer may see, for editing it (Mastodon asks for a token). */
  @Get('api/v1/statuses/:id/source')
  @Auth.app('read:statuses')
  async source(@Param('id') id: string, @ViewerAccountId() viewer: string | null): Promise<MStatusSource> {
    const status = await this.presenter.findVisible(id, viewer);
    if (!status) throw Errors.notFound();
    return serializeStatusSource(status);
  }
}
