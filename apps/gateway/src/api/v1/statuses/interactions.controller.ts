import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { contracts, type StatusRecord, type UserState, visibility, type Visibility } from '@mammut/contracts';
import type { MAccount, MStatus, SerializeContext } from '@mammut/mastodon-api';
import { serializeAccount } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser, ViewerAccountId } from '../../../auth/auth.decorator';
import { type ListPage, Page, setListLinkHeader } from '../../../http/account-page';
import { Errors } from '../../../http/errors';
import { toStr } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { StatusPresenter } from './status-presenter';

const c = contracts.statuses.interactions;
type Act =
  | typeof c.favourite
  | typeof c.unfavourite
  | typeof c.bookmark
  | typeof c.unbookmark
  | typeof c.unreblog
  | typeof c.pin
  | typeof c.unpin;

/** Favourites, reblogs, bookmarks and pins: on statuses the viewer may see, and the lists they make. */
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

  /**
   * Reblogs a status the viewer may see and whose author the viewer does not block; answers the
   * reblog, the shared status inside. 422 for a direct status, or someone else's private one.
   */
  @Post('statuses/:id/reblog')
  @HttpCode(200)
  @Auth.user('write:statuses')
  async reblog(
    @CurrentUser() user: UserState,
    @Param('id') id: string,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<MStatus> {
    const requested = toStr(body?.visibility) || undefined;
    const parsed = visibility.safeParse(requested);
    if (requested !== undefined && (!parsed.success || parsed.data === 'direct')) {
      throw Errors.unprocessable('Validation failed: Visibility is not included in the list', {
        visibility: [{ error: 'ERR_INCLUSION', description: 'is not included in the list' }],
      });
    }
    const target = await this.visible(id, user.accountId);
    const { relationships } = await this.bus.request(contracts.accounts.relationships.getRelationships, {
      viewerId: user.accountId,
      ids: [target.accountId],
      withSuspended: false,
    });
    if (relationships[0]?.blocking) throw Errors.notFound();
    const chosen: Visibility =
      requested === undefined
        ? (await this.bus.request(contracts.accounts.profiles.getCredentials, { accountId: user.accountId }))
            .privacy
        : (requested as Visibility);
    const { reblog, status } = await this.bus.request(c.reblog, {
      accountId: user.accountId,
      statusId: target.reblogOfId ?? target.id,
      visibility: chosen === 'direct' ? 'public' : chosen,
    });
    const [presented] = await this.presenter.present([reblog], user.accountId, { reblogged: [status] });
    if (!presented) throw Errors.notFound();
    return presented;
  }

  @Post('statuses/:id/unreblog')
  @HttpCode(200)
  @Auth.user('write:statuses')
  unreblog(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.unreblog, user.accountId, id);
  }

  @Post('statuses/:id/pin')
  @HttpCode(200)
  @Auth.user('write:accounts')
  pin(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.pin, user.accountId, id, false);
  }

  @Post('statuses/:id/unpin')
  @HttpCode(200)
  @Auth.user('write:accounts')
  unpin(@CurrentUser() user: UserState, @Param('id') id: string): Promise<MStatus> {
    return this.act(c.unpin, user.accountId, id, false);
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
  favouritedBy(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MAccount[]> {
    return this.actors(c.listFavouriters, id, viewer, page);
  }

  @Get('statuses/:id/reblogged_by')
  @Auth.optional('read:accounts')
  rebloggedBy(
    @Param('id') id: string,
    @ViewerAccountId() viewer: string | null,
    @Page({ limit: 40, max: 80 }) page: ListPage,
  ): Promise<MAccount[]> {
    return this.actors(c.listRebloggers, id, viewer, page);
  }

  /** Who favourited or reblogged a status the viewer may see, less those blocking either way. */
  private async actors(
    def: typeof c.listFavouriters | typeof c.listRebloggers,
    id: string,
    viewer: string | null,
    page: ListPage,
  ): Promise<MAccount[]> {
    const target = await this.visible(id, viewer);
    const { items } = await this.bus.request(def, {
      statusId: target.reblogOfId ?? target.id,
      page: page.params,
    });
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

  /**
   * Acts on a status the viewer may see (404 otherwise, as for one that does not exist); on a
   * reblog, on the status it shares, as the apps mean it (pins excepted: a reblog is refused).
   */
  private async act(def: Act, accountId: string, id: string, unwrap = true): Promise<MStatus> {
    const target = await this.visible(id, accountId);
    const statusId = unwrap ? (target.reblogOfId ?? target.id) : target.id;
    const status = await this.bus.request(def, { accountId, statusId });
    const [presented] = await this.presenter.present([status], accountId);
    if (!presented) throw Errors.notFound();
    return presented;
  }

  private async visible(id: string, viewer: string | null): Promise<StatusRecord> {
    const found = await this.presenter.findVisible(id, viewer);
    if (!found) throw Errors.notFound();
    return found;
  }
}
