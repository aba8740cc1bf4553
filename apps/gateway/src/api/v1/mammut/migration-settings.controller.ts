import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Query } from '@nestjs/common';
import { type AliasRecord, ContractError, contracts, type UserState } from '@mammut/contracts';
import type { MAccount, SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { Errors } from '../../../http/errors';
import { serializeWithMoved } from '../../../http/moved-accounts';
import { toStr } from '../../../http/params';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';

type Params = Record<string, unknown>;

/** One alias as these routes show it. */
interface MAlias {
  acct: string | null;
  uri: string;
}

const HANDLE = /^@?[^@\s]+@[^@\s]+$/;

/**
 * Account migration, which Mastodon offers only on its settings pages (Settings::AliasesController,
 * Settings::MigrationsController), as JSON routes the web client can use; user token with
 * `write:accounts` (`read:accounts` to list), Mastodon's `{"error": ...}` on failure.
 *
 * - `GET /api/v1/mammut/settings/aliases`: `[{acct, uri}]`, the accounts this one is also known
 *   as (published as `alsoKnownAs`), which a move from them to here needs.
 * - `POST /api/v1/mammut/settings/aliases` `{acct: "user@domain"}`: adds one, resolved over
 *   federation; answers the list. 404 when nobody answers for the handle.
 * - `DELETE /api/v1/mammut/settings/aliases` `{acct}` or `{uri}` (body or query): removes one.
 * - `POST /api/v1/mammut/settings/migration` `{acct, current_password}`: moves this account to
 *   `acct`, which must list it among its aliases (read again from its server first); at most once
 *   in 30 days. Followers follow the new account; answers this account, with `moved`.
 */
@Controller('api/v1/mammut/settings')
export class MigrationSettingsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('aliases')
  @Auth.user('read:accounts')
  async aliases(@CurrentUser() user: UserState): Promise<MAlias[]> {
    const { aliases } = await this.bus.request(contracts.accounts.migration.listAliases, {
      accountId: user.accountId,
    });
    return aliases.map(present);
  }

  @Post('aliases')
  @HttpCode(200)
  @Auth.user('write:accounts')
  async addAlias(@CurrentUser() user: UserState, @Body() body: Params | undefined): Promise<MAlias[]> {
    const targetAccountId = await this.resolve(handleOf(body));
    const { aliases } = await this.bus.request(contracts.accounts.migration.addAlias, {
      accountId: user.accountId,
      targetAccountId,
    });
    return aliases.map(present);
  }

  @Delete('aliases')
  @Auth.user('write:accounts')
  async removeAlias(
    @CurrentUser() user: UserState,
    @Query() query: Params,
    @Body() body: Params | undefined,
  ): Promise<MAlias[]> {
    const params = { ...query, ...body };
    const uri = toStr(params.uri);
    const acct = toStr(params.acct)?.trim().replace(/^@/, '');
    const { aliases } = await this.bus.request(contracts.accounts.migration.listAliases, {
      accountId: user.accountId,
    });
    const alias = aliases.find(
      (candidate) =>
        (uri && candidate.uri === uri) || (acct && candidate.acct?.toLowerCase() === acct.toLowerCase()),
    );
    if (!alias) throw Errors.notFound();
    const changed = await this.bus.request(contracts.accounts.migration.removeAlias, {
      accountId: user.accountId,
      uri: alias.uri,
    });
    return changed.aliases.map(present);
  }

  @Post('migration')
  @HttpCode(200)
  @Auth.user('write:accounts')
  async migrate(@CurrentUser() user: UserState, @Body() body: Params | undefined): Promise<MAccount> {
    const acct = handleOf(body);
    const password = toStr(body?.current_password);
    if (!password) throw Errors.unprocessable("Validation failed: Current password can't be blank");
    const targetAccountId = await this.resolve(acct);
    // The target's aliases as its server says them now, not as they were when it was last read.
    try {
      await this.bus.request(contracts.federation.remoteAccounts.refresh, { accountId: targetAccountId });
    } catch (error) {
      if (!(error instanceof ContractError && error.code === 'not_found')) throw error;
      throw Errors.unprocessable('Validation failed: The target account could not be read');
    }
    await this.bus.request(contracts.accounts.migration.migrateAccount, {
      accountId: user.accountId,
      targetAccountId,
      currentPassword: password,
    });
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [user.accountId],
    });
    return (await serializeWithMoved(this.bus, this.ctx, accounts))[0];
  }

  /** The account a handle names, asking its server when it is not known here (or known from long ago). */
  private async resolve(acct: string): Promise<string> {
    try {
      return (await this.bus.request(contracts.federation.remoteAccounts.resolve, { acct })).accountId;
    } catch (error) {
      if (error instanceof ContractError && error.code === 'not_found') throw Errors.notFound();
      throw error;
    }
  }
}

/** `acct` as `user@domain`: a settings form names other accounts by their full handle. */
function handleOf(body: Params | undefined): string {
  const acct = toStr(body?.acct)?.trim();
  if (!acct || acct.length > 400 || !HANDLE.test(acct))
    throw Errors.unprocessable('Validation failed: Handle must be user@domain');
  return acct.replace(/^@/, '');
}

const present = (alias: AliasRecord): MAlias => ({ acct: alias.acct, uri: alias.uri });
