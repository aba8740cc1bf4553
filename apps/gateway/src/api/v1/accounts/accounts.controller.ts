import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { contracts } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { serializeWithMoved } from '../../../http/moved-accounts';
import { isId, toStr, toStrList } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';

@Controller()
export class AccountsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

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
