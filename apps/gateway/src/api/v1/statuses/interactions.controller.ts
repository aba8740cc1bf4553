import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type UserState } from '@mammut/contracts';
import type { MAccount, MStatus, SerializeContext } from '@mammut/mastodon-api';
import { serializeAccount } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, ViewerAccountId } from '../../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../../http/account-page';
import { Errors } from '../../../http/errors';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { StatusPresenter } from './status-presenter';

const c = contracts.statuses.interactions;
type Act = typeof c.favourite | typeof c.unfavourite | typeof c.bookmark | typeof c.unbookmark;

/** Favourites and bookmarks: on statuses the viewer may see, and the lists they make. */
@Controller('api/v1')
export class InteractionsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
  ) {}

  @Post('statuses/:id/favourite')
  @HttpCode(200)
  @Auth.user('write:favourites')
  favourite(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.favourite, user.accountId, id);
  }

  @Post('statuses/:id/unfavourite')
  @HttpCode(200)
  @Auth.user('write:favourites')
  unfavourite(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.unfavourite, user.accountId, id);
  }

  @Post('statuses/:id/bookmark')
  @HttpCode(200)
  @Auth.user('write:bookmarks')
  bookmark(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.bookmark, user.accountId, id);
  }

  @Post('statuses/:id/unbookmark')
  @HttpCode(200)
  @Auth.user('write:bookmarks')
  unbookmark(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.unbookmark, user.accountId, id);
  }

  @Get('favourites')
  @Auth.user('read:favourites')
  favourites(
    @CurrentUser() user: UserState,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MStatus[]> {
    return this.ownList(c.listFavourites, user.accountId, page);
  }

  @Get('bookmarks')
  @Auth.user('read:bookmarks')
  bookmarks(
    @CurrentUser() user: UserState,
    @Page({ limit: 20, max: 40 }) page: ListPage,
  ): Promise<MStatus[]> {
    return this.ownList(c.listBookmarks, user.accountId, page);
  }

  @Get('statuses/:id/favourited_by')
  @Auth.optional('read:accounts')
  async favouritedBy(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MAccount[]> {
    await this.visible(id, viewer);
    const { items } = await this.bus.request(c.listFavouriters, { statusId: id, page: page.params });
    setListLinkHeader(items, page, this.ctx.origin);
    if (!items.length) return [];
    const ids = items.map((item) => item.accountId);
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, { ids });
    // Accounts the viewer blocks or that block the viewer are left out, as Mastodon leaves them.
    const hidden = new Set<string>();
    if (viewer) {
      const { relationships } = await this.bus.request(contracts.accounts.relationships.getRelationships, {
        viewerId: viewer,
        ids: ids.filter((accountId) => accountId !== viewer),
        withSuspended: false,
      });
      for (const r of relationships) if (r.blocking || r.blockedBy) hidden.add(r.id);
    }
    return accounts
      .filter((account) => !account.suspended && !hidden.has(account.id))
      .map((account) => serializeAccount(account, this.ctx));
  }

  /** A page of the viewer's favourites or bookmarks, paged by their own rows (Link only). */
  private async ownList(
    def: typeof c.listFavourites | typeof c.listBookmarks,
    accountId: string,
    page: ListPage,
  ): Promise<MStatus[]> {
    const { items } = await this.bus.request(def, { accountId, page: page.params });
    setListLinkHeader(items, page, this.ctx.origin);
    return this.presenter.present(
      items.map((item) => item.status),
      accountId,
    );
  }

  /** Acts on a status the viewer may see (404 otherwise, as for one that does not exist). */
  private async act(def: Act, accountId: string, id: string): Promise<MStatus> {
    await this.visible(id, accountId);
    const status = await this.bus.request(def, { accountId, statusId: id });
    const [presented] = await this.presenter.present([status], accountId);
    if (!presented) throw Errors.notFound();
    return presented;
  }

  private async visible(id: string, viewer: string | null): Promise<void> {
    if (!(await this.presenter.findVisible(id, viewer))) throw Errors.notFound();
  }
}
