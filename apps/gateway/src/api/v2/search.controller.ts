import { Controller, Get, Inject, Query } from '@nestjs/common';
import { type AccountRecord, ContractError, contracts, type StatusRecord } from '@mammut/contracts';
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
import { StatusPresenter } from '../v1/statuses/status-presenter';

export interface MSearch {
  accounts: MAccount[];
  statuses: MStatus[];
  hashtags: MTag[];
}

/** `user`, `@user`, `user@domain`, `@user@domain`: an exact handle, nothing more. */
const HANDLE = /^@?[^@\s/]+(@[^@\s/]+)?$/;
const URL_QUERY = /^https?:\/\//i;

/** The longest URL looked up or resolved, as the contracts bound URIs. */
const URL_MAX = 2048;

type Wanted = (kind: 'accounts' | 'statuses') => boolean;

/**
 * `GET /api/v2/search`, so far for what is named exactly: an account by handle (`@user@domain`)
 * or actor URL, a status by URL (its uri, or its page). With `resolve=true` (a signed-in user
 * only, as Mastodon requires) what this instance does not know yet is resolved by the federation
 * service (WebFinger and the actor document; the status fetched and stored, as Mastodon's
 * ResolveURLService does); without it only what is known is found. A status is shown as anywhere
 * else, to a viewer who may see it. Full-text search of accounts, statuses and hashtags is a later
 * issue: those queries answer empty lists.
 */
@Controller('api/v2/search')
export class SearchController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
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
    const wanted: Wanted = (kind) => type === undefined || type === kind;
    const { accounts, statuses } = URL_QUERY.test(q)
      ? await this.byUrl(q, resolve, wanted)
      : { accounts: wanted('accounts') ? await this.accounts(q, resolve) : [], statuses: [] };
    return {
      accounts: accounts.map((account) => serializeAccount(account, this.ctx)),
      statuses: await this.presenter.present(statuses, viewerId),
      hashtags: [],
    };
  }

  /**
   * What a URL names: a status known here by it, else (resolving) the actor it is, else the
   * status it is, as Mastodon's ResolveURLService answers one thing for a URL.
   */
  private async byUrl(
    url: string,
    resolve: boolean,
    wanted: Wanted,
  ): Promise<{ accounts: AccountRecord[]; statuses: StatusRecord[] }> {
    if (url.length > URL_MAX) return { accounts: [], statuses: [] };
    if (wanted('statuses')) {
      const { statuses } = await this.bus.request(contracts.statuses.statuses.lookupStatuses, {
        urls: [url],
      });
      if (statuses.length) return { accounts: [], statuses };
    }
    if (!resolve) return { accounts: [], statuses: [] };
    const accounts = wanted('accounts') ? await this.resolved({ uri: url }) : [];
    if (accounts.length || !wanted('statuses')) return { accounts, statuses: [] };
    return { accounts: [], statuses: await this.resolvedStatus(url) };
  }

  private async accounts(q: string, resolve: boolean): Promise<AccountRecord[]> {
    if (!HANDLE.test(q) || q.length > 400) return [];
    const acct = q.replace(/^@/, '');
    const resolving = resolve && acct.includes('@');
    if (resolving) {
      const found = await this.resolved({ acct });
      if (found.length) return found;
    }
    const { accounts } = await this.bus.request(contracts.accounts.profiles.lookupAccounts, {
      accts: [acct],
    });
    // Resolution found nothing: what is known is searched as Mastodon's database search does it,
    // which never finds a suspended account (one whose server answered 410 Gone was just deleted).
    return resolving ? accounts.filter((account) => !account.suspended) : accounts;
  }

  /** The account federation resolves, as the API shows it; none when nobody answers for it now. */
  private async resolved(target: { acct: string } | { uri: string }): Promise<AccountRecord[]> {
    const found = await this.answered(() =>
      this.bus.request(contracts.federation.remoteAccounts.resolve, target),
    );
    if (!found) return [];
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [found.accountId],
    });
    return accounts;
  }

  /** The status federation fetches and stores for the URL; none when it names none we may show. */
  private async resolvedStatus(uri: string): Promise<StatusRecord[]> {
    const found = await this.answered(() =>
      this.bus.request(contracts.federation.remoteStatuses.resolve, { uri }),
    );
    if (!found) return [];
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
      ids: [found.statusId],
    });
    return statuses;
  }

  /** A resolution's answer; null when nobody answers for what was asked, now or at all. */
  private async answered<T>(resolve: () => Promise<T>): Promise<T | null> {
    try {
      return await resolve();
    } catch (error) {
      if (error instanceof ContractError && (error.code === 'not_found' || error.code === 'unavailable'))
        return null;
      throw error;
    }
  }
}
