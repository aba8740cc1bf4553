import { Controller, Get, Inject, Query } from '@nestjs/common';
import { type AccountRecord, ContractError, contracts } from '@mammut/contracts';
import {
  type MAccount,
  type MStatus,
  type MTag,
  type SerializeContext,
  serializeAccount,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, ViewerAccountId } from '../../auth/auth.decorator';
import { HttpError } from '../../http/errors';
import { toBool, toStr } from '../../http/params';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';

export interface MSearch {
  accounts: MAccount[];
  statuses: MStatus[];
  hashtags: MTag[];
}

/** `user`, `@user`, `user@domain`, `@user@domain`: an exact handle, nothing more. */
const HANDLE = /^@?[^@\s/]+(@[^@\s/]+)?$/;
const URL_QUERY = /^https?:\/\//i;

/**
 * `GET /api/v2/search`, so far for accounts named exactly: a handle (`@user@domain`) or, with
 * `resolve`, an actor URL. With `resolve=true` (a signed-in user only, as Mastodon requires) an
 * account this instance does not know yet is resolved by the federation service (WebFinger and the
 * actor document); without it only known accounts are found. Full-text search of accounts,
 * statuses and hashtags is a later issue: those queries and types answer empty lists.
 */
@Controller('api/v2/search')
export class SearchController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get()
  @Auth.optional('read:search')
  async search(
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewerId: string | null,
  ): Promise<MSearch> {
    const q = toStr(query.q)?.trim();
    if (!q) throw new HttpError(400, 'param is missing or the value is empty: q');
    const resolve = toBool(query.resolve) === true;
    if (viewerId === null && toStr(query.offset) !== undefined)
      throw new HttpError(401, 'Search queries pagination is not supported without authentication');
    if (viewerId === null && resolve)
      throw new HttpError(
        401,
        'Search queries that resolve remote resources are not supported without authentication',
      );
    const type = toStr(query.type);
    const accounts = type === undefined || type === 'accounts' ? await this.accounts(q, resolve) : [];
    return {
      accounts: accounts.map((account) => serializeAccount(account, this.ctx)),
      statuses: [],
      hashtags: [],
    };
  }

  private async accounts(q: string, resolve: boolean): Promise<AccountRecord[]> {
    if (URL_QUERY.test(q)) return resolve && q.length <= 2048 ? this.resolved({ uri: q }) : [];
    if (!HANDLE.test(q) || q.length > 400) return [];
    const acct = q.replace(/^@/, '');
    if (resolve && acct.includes('@')) {
      const found = await this.resolved({ acct });
      if (found.length) return found;
    }
    const { accounts } = await this.bus.request(contracts.accounts.profiles.lookupAccounts, {
      accts: [acct],
    });
    return accounts;
  }

  /** The account federation resolves, as the API shows it; none when nobody answers for it now. */
  private async resolved(target: { acct: string } | { uri: string }): Promise<AccountRecord[]> {
    let accountId: string;
    try {
      ({ accountId } = await this.bus.request(contracts.federation.remoteAccounts.resolve, target));
    } catch (error) {
      if (error instanceof ContractError && (error.code === 'not_found' || error.code === 'unavailable'))
        return [];
      throw error;
    }
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [accountId],
    });
    return accounts;
  }
}
