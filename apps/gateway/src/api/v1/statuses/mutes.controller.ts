import { Controller, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import type { MStatus } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { StatusPresenter } from './status-presenter';

const c = contracts.statuses.conversations;

/**
 * Muting a status's thread (`POST /api/v1/statuses/:id/mute` and `/unmute`): on a status the
 * viewer may see (404 otherwise) that it wrote or that mentions it (422 otherwise); a reblog
 * stands for the status it shares. Answers the status, `muted` as it now is.
 */
@Controller('api/v1/statuses')
export class StatusMutesController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly presenter: StatusPresenter,
  ) {}

  @Post(':id/mute')
  @HttpCode(200)
  @Auth.user('write:mutes')
  mute(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.muteConversation, user.accountId, id);
  }

  @Post(':id/unmute')
  @HttpCode(200)
  @Auth.user('write:mutes')
  unmute(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.unmuteConversation, user.accountId, id);
  }

  private async act(
    def: typeof c.muteConversation | typeof c.unmuteConversation,
    accountId: string,
    id: string,
  ): Promise<MStatus> {
    const target = await this.presenter.findVisible(id, accountId);
    if (!target) throw Errors.notFound();
    const status = await this.bus.request(def, { accountId, statusId: target.reblogOfId ?? target.id });
    const [presented] = await this.presenter.present([status], accountId);
    if (!presented) throw Errors.notFound();
    return presented;
  }
}
