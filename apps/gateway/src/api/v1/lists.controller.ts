import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { contracts, LIST_LIMITS, type UserState } from '@mammut/contracts';
import {
  type MAccount,
  type MList,
  type MStatus,
  type SerializeContext,
  serializeAccount,
  serializeList,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../http/account-page';
import { Errors } from '../../http/errors';
import { setLinkHeader } from '../../http/pagination';
import { isId, pathId, toBool, toStr, toStrList } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { StatusPresenter } from './statuses/status-presenter';

const c = contracts.accounts.lists;
type Params = Record<string, unknown>;

/**
 * A list's fields from the body (or the query, as Rails merges them). A title past the limit is
 * cut just past it, so the accounts service still answers "too long" without a huge request.
 */
function listFields(query: Params, body: Params | undefined) {
  const param = (name: string): unknown => body?.[name] ?? query[name];
  return {
    title: toStr(param('title'))?.slice(0, LIST_LIMITS.titleLength + 1),
    repliesPolicy: toStr(param('replies_policy'))?.slice(0, 100),
    exclusive: toBool(param('exclusive')),
  };
}

/**
 * `account_ids[]` from the body or the query. An id that cannot be one names no account (404,
 * as Mastodon's `Account.find`); more than one request may name is a 422.
 */
function accountIdsOf(query: Params, body: Params | undefined): string[] {
  const ids = [...new Set(toStrList(body?.account_ids ?? query.account_ids))];
  if (ids.some((id) => !isId(id))) throw Errors.notFound();
  if (ids.length > LIST_LIMITS.accountsPerRequest)
    throw Errors.unprocessable(
      `Validation failed: At most ${LIST_LIMITS.accountsPerRequest} accounts can be given at once`,
    );
  return ids;
}

/**
 * Lists (`/api/v1/lists`), the lists that hold an account, and a list's timeline. Lists belong to
 * the accounts service, their feeds to the timelines service; someone else's list is a 404.
 */
@Controller('api/v1')
export class ListsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  @Get('lists')
  @Auth.user('read:lists')
  async lists(@CurrentUser() user: UserState): Promise<MList[]> {
    const { lists } = await this.bus.request(c.getLists, { viewerId: user.accountId });
    return lists.map(serializeList);
  }

  @Post('lists')
  @HttpCode(200)
  @Auth.user('write:lists')
  async create(
    @CurrentUser() user: UserState,
    @Query() query: Params,
    @Body() body: Params | undefined,
  ): Promise<MList> {
    const fields = listFields(query, body);
    const list = await this.bus.request(c.createList, {
      viewerId: user.accountId,
      ...fields,
      title: fields.title ?? '',
    });
    return serializeList(list);
  }

  @Get('lists/:id')
  @Auth.user('read:lists')
  async show(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MList> {
    return serializeList(await this.bus.request(c.getList, { viewerId: user.accountId, listId: pathId(id) }));
  }

  @Put('lists/:id')
  @Auth.user('write:lists')
  async update(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Query() query: Params,
    @Body() body: Params | undefined,
  ): Promise<MList> {
    const list = await this.bus.request(c.updateList, {
      viewerId: user.accountId,
      listId: pathId(id),
      ...listFields(query, body),
    });
    return serializeList(list);
  }

  @Delete('lists/:id')
  @Auth.user('write:lists')
  async remove(@CurrentUser() user: UserState, @Param('id') id: string): Promise<Record<string, never>> {
    await this.bus.request(c.deleteList, { viewerId: user.accountId, listId: pathId(id) });
    return {};
  }

  /** Paged by membership row with `Link`, 40 at most; `limit=0` answers every member, unpaged, as Mastodon. */
  @Get('lists/:id/accounts')
  @Auth.user('read:lists')
  async members(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Query() query: Params,
    @Page({ limit: 40, max: 40 }) page: ListPage,
  ): Promise<MAccount[]> {
    const all = toStr(query.limit) === '0';
    const { items } = await this.bus.request(c.listMembers, {
      viewerId: user.accountId,
      listId: pathId(id),
      page: all ? null : page.params,
    });
    if (!all) setListLinkHeader(items, page, this.ctx.origin);
    return items.map((item) => serializeAccount(item.account, this.ctx));
  }

  @Post('lists/:id/accounts')
  @HttpCode(200)
  @Auth.user('write:lists')
  async addMembers(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Query() query: Params,
    @Body() body: Params | undefined,
  ): Promise<Record<string, never>> {
    return this.changeMembers(c.addMembers, user, id, accountIdsOf(query, body));
  }

  @Delete('lists/:id/accounts')
  @Auth.user('write:lists')
  async removeMembers(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Query() query: Params,
    @Body() body: Params | undefined,
  ): Promise<Record<string, never>> {
    return this.changeMembers(c.removeMembers, user, id, accountIdsOf(query, body));
  }

  /** The viewer's lists that hold the account. */
  @Get('accounts/:id/lists')
  @Auth.user('read:lists')
  async listsWithMember(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MList[]> {
    if (!isId(id)) throw Errors.notFound();
    const { lists } = await this.bus.request(c.getListsWithMember, {
      viewerId: user.accountId,
      accountId: id,
    });
    return lists.map(serializeList);
  }

  /** A list's feed, through the home feed's rules for its owner. */
  @Get('timelines/list/:id')
  @Auth.user('read:lists')
  async timeline(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MStatus[]> {
    const list = await this.bus.request(c.getList, { viewerId: user.accountId, listId: pathId(id) });
    const { ids } = await this.bus.request(contracts.timelines.feeds.getListFeed, {
      listId: list.id,
      page: page.params,
    });
    // The page's cursors are the feed's, whatever the rules leave of it.
    setLinkHeader(page.request, page.reply, this.ctx.origin, { newest: ids[0], oldest: ids.at(-1) });
    if (!ids.length) return [];
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids });
    return this.presenter.present(statuses, user.accountId, { context: 'home' });
  }

  /** No accounts named: nothing changes, but someone else's list is still a 404. */
  private async changeMembers(
    def: typeof c.addMembers | typeof c.removeMembers,
    user: UserState,
    id: string,
    accountIds: string[],
  ): Promise<Record<string, never>> {
    const listId = pathId(id);
    if (!accountIds.length) await this.bus.request(c.getList, { viewerId: user.accountId, listId });
    else await this.bus.request(def, { viewerId: user.accountId, listId, accountIds });
    return {};
  }
}
