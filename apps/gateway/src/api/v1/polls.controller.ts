import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type PollRecord, type StatusRecord, type UserState } from '@mammut/contracts';
import { type MPoll, serializePoll } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, ViewerAccountId } from '../../auth/auth.decorator';
import { Errors, HttpError } from '../../http/errors';
import { isId, toStrList } from '../../http/params';
import { StatusPresenter } from './statuses/status-presenter';

/** Polls: seen and voted on by whoever may see their status (404 for anyone else, as Mastodon). */
@Controller()
export class PollsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly presenter: StatusPresenter,
  ) {}

  @Get('api/v1/polls/:id')
  @Auth.optional('read:statuses')
  async one(@Param('id') id: string, @ViewerAccountId() viewer: string | null): Promise<MPoll> {
    const { poll, status } = await this.visiblePoll(id, viewer);
    return serializePoll(poll, viewer, status.emojis);
  }

  /** `choices[]`: option indices, each once; Mastodon's validation errors are 422. */
  @Post('api/v1/polls/:id/votes')
  @HttpCode(200)
  @Auth.user('write:statuses')
  async vote(
    @Param('id') id: string,
    @CurrentUser() user: UserState,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MPoll> {
    const choices = toStrList(body?.choices);
    if (!choices.length) throw new HttpError(400, 'param is missing or the value is empty: choices');
    const { poll, status } = await this.visiblePoll(id, user.accountId);
    const indices = choices.map((choice) => (/^\d{1,4}$/.test(choice) ? Number(choice) : Number.NaN));
    // Not an option's index: none of the poll's options, as Mastodon answers.
    if (indices.some((index) => Number.isNaN(index)) || indices.length > 100)
      throw Errors.unprocessable('Validation failed: The chosen vote option does not exist');
    const voted = await this.bus.request(contracts.statuses.polls.vote, {
      accountId: user.accountId,
      pollId: poll.id,
      choices: indices,
    });
    return serializePoll(voted, user.accountId, status.emojis);
  }

  /** The poll, if `id` names one whose status the viewer may see, and that status (its custom emoji). */
  private async visiblePoll(
    id: string,
    viewer: string | null,
  ): Promise<{ poll: PollRecord; status: StatusRecord }> {
    if (!isId(id)) throw Errors.notFound();
    const { polls } = await this.bus.request(contracts.statuses.polls.getPolls, {
      ids: [id],
      viewerId: viewer,
    });
    const poll = polls[0];
    const status = poll && (await this.presenter.findVisible(poll.statusId, viewer));
    if (!poll || !status) throw Errors.notFound();
    return { poll, status };
  }
}
