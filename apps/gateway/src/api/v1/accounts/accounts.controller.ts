import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { contracts, SEARCH_LIMITS } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, ViewerAccountId } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { serializeWithMoved } from '../../../http/moved-accounts';
import { isId, toBool, toLimit, toStr, toStrList } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { AccountFinder } from '../../v2/account-finder';

@Controller()
export class AccountsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly finder: AccountFinder,
  ) {}

  /**
   * Mastodon's account autocomplete: the exact handle first (resolved through federation with
   * `resolve=true`), then accounts by prefix of their names, from the search index; `following`
   * keeps those the viewer follows. The same search as `GET /api/v2/search?type=accounts`.
   */
  @Get('api/v1/accounts/search')
  @Auth.user('read:accounts')
  async search(
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewerId: string,
  ): Promise<MAccount[]> {
    const q = toStr(query.q)?.trim();
    if (!q) return [];
    const offset = Number.parseInt(toStr(query.offset) ?? '', 10);
    const accounts = await this.finder.find(q, viewerId, {
      resolve: toBool(query.resolve) === true,
      following: toBool(query.following) === true,
      limit: toLimit(query.limit, SEARCH_LIMITS.accountsDefaultLimit, SEARCH_LIMITS.accountsMaxLimit),
      offset: Number.isFinite(offset) && offset > 0 ? Math.min(offset, SEARCH_LIMITS.maxOffset) : 0,
    });
    return serializeWithMoved(this.bus, this.ctx, accounts);
  }

  /**
   * Known accounts only, local or remote: Mastodon's lookup never asks a remote server
   * (ResolveAccountService with skip_webfinger), so that anyone may call it without making the
   * instance fetch; clients resolve an unknown handle through `/api/v2/search?resolve=true`.
   */
  @Get('api/v1/accounts/lookup')
  @Auth.optional('read:accounts')
  async lookup(@Query() query: Record<string, unknown>): Promise<MAccount> {
    const acct = toStr(query.acct)?.trim();
    if (!acct || acct.length > 400) throw Errors.notFound();
    const { accounts } = await this.bus.request(contracts.accounts.profiles.lookupAccounts, {
      accts: [acct],
    });
    if (!accounts[0]) throw Errors.notFound();
    return (await serializeWithMoved(this.bus, this.ctx, accounts.slice(0, 1)))[0];
  }

  @Get('api/v1/accounts')
  @Auth.optional('read:accounts')
  async many(@Query() query: Record<string, unknown>): Promise<MAccount[]> {
    const ids = toStrList(query.id).filter(isId).slice(0, 40);
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, { ids });
    return serializeWithMoved(this.bus, this.ctx, accounts);
  }

  @Get('api/v1/accounts/:id')
  @Auth.optional('read:accounts')
  async one(@Param('id') id: string): Promise<MAccount> {
    if (!isId(id)) throw Errors.notFound();
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, { ids: [id] });
    if (!accounts[0]) throw Errors.notFound();
    return (await serializeWithMoved(this.bus, this.ctx, accounts.slice(0, 1)))[0];
  }
}
