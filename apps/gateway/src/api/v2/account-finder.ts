import { Inject, Injectable } from '@nestjs/common';
import { type AccountRecord, ContractError, contracts, SEARCH_LIMITS } from '@mammut/contracts';
import { BUS, type Bus } from '@mammut/platform';

/** `user`, `@user`, `user@domain`, `@user@domain`: an exact handle, nothing more. */
const HANDLE = /^@?[^@\s/]+(@[^@\s/]+)?$/;

/** How an account search pages and what it may do. */
export interface AccountSearchOptions {
  readonly resolve: boolean;
  readonly following: boolean;
  readonly limit: number;
  readonly offset: number;
}

/**
 * Accounts for a query, as Mastodon's AccountSearchService finds them: on the first page the
 * account the query names exactly (resolved through federation when `resolve` is asked for a
 * remote handle), then the search index's prefix matches. Never a suspended account, nor one the
 * viewer blocks, mutes, is blocked by or whose domain it blocks. `GET /api/v2/search` and
 * `GET /api/v1/accounts/search` share it.
 */
@Injectable()
export class AccountFinder {
  constructor(@Inject(BUS) private readonly bus: Bus) {}

  async find(q: string, viewerId: string | null, options: AccountSearchOptions): Promise<AccountRecord[]> {
    const exact = options.offset === 0 ? await this.exact(q, options.resolve) : [];
    const { accountIds } = await this.bus.request(contracts.search.query, {
      viewerId,
      q: q.slice(0, SEARCH_LIMITS.queryLength),
      type: 'accounts',
      limit: options.limit,
      offset: options.offset,
      following: options.following && viewerId !== null,
    });
    const known = new Set(exact.map((account) => account.id));
    const missing = accountIds.filter((id) => !known.has(id));
    const found = missing.length
      ? (await this.bus.request(contracts.accounts.profiles.getAccounts, { ids: missing })).accounts
      : [];
    const byId = new Map([...exact, ...found].map((account) => [account.id, account]));
    const ordered = [...new Set([...known, ...accountIds])]
      .flatMap((id) => byId.get(id) ?? [])
      .filter((account) => !account.suspended);
    return (await this.allowed(ordered, viewerId, options.following)).slice(0, options.limit);
  }

  /** Leaves out the accounts the viewer keeps away (and, for `following`, those it does not follow). */
  private async allowed(
    accounts: AccountRecord[],
    viewerId: string | null,
    following: boolean,
  ): Promise<AccountRecord[]> {
    if (viewerId === null || !accounts.length) return accounts;
    const { relationships } = await this.bus.request(contracts.accounts.relationships.getRelationships, {
      viewerId,
      ids: accounts.map((account) => account.id).slice(0, 200),
    });
    const facts = new Map(relationships.map((r) => [r.id, r]));
    return accounts.filter((account) => {
      if (account.id === viewerId) return !following;
      const r = facts.get(account.id);
      if (!r) return false;
      if (r.blocking || r.blockedBy || r.muting || r.domainBlocking) return false;
      return !following || r.following;
    });
  }

  /** The account the query names exactly, resolved when asked; none for anything else. */
  private async exact(q: string, resolve: boolean): Promise<AccountRecord[]> {
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
    return accounts;
  }

  /** The account federation resolves, as the API shows it; none when nobody answers for it now. */
  async resolved(target: { acct: string } | { uri: string }): Promise<AccountRecord[]> {
    const found = await answered(() => this.bus.request(contracts.federation.remoteAccounts.resolve, target));
    if (!found) return [];
    const { accounts } = await this.bus.request(contracts.accounts.profiles.getAccounts, {
      ids: [found.accountId],
    });
    return accounts;
  }
}

/** A resolution's answer; null when nobody answers for what was asked, now or at all. */
export async function answered<T>(resolve: () => Promise<T>): Promise<T | null> {
  try {
    return await resolve();
  } catch (error) {
    if (error instanceof ContractError && (error.code === 'not_found' || error.code === 'unavailable'))
      return null;
    throw error;
  }
}
