import { Controller, Get, Header, Inject } from '@nestjs/common';
import {
  type AccountRecord,
  contracts,
  type PageRequest,
  type RelationshipRecord,
  type UserState,
} from '@mammut/contracts';
import type { SerializeContext } from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, CurrentUser } from '../../../auth/auth.decorator';
import { SERIALIZE_CONTEXT } from '../../../http/serialize-context';
import { toCsv } from './csv';

/** Rows read per request while an export is written. */
const PAGE = 200;
const CSV_TYPE = 'text/csv; charset=utf-8';

/** A page of a list, newest first, cursored by its row ids. */
type Pager<T> = (page: PageRequest) => Promise<{ items: (T & { cursor: string })[] }>;

/** Every row of a paged list, page after page. */
async function everyRow<T>(pager: Pager<T>): Promise<T[]> {
  const rows: T[] = [];
  for (let maxId: string | undefined; ; ) {
    const { items } = await pager({ limit: PAGE, ...(maxId ? { maxId } : {}) });
    rows.push(...items);
    if (items.length < PAGE) return rows;
    maxId = items[items.length - 1].cursor;
  }
}

/**
 * The viewer's follows, blocks, mutes and bookmarks as the CSV files of Mastodon's export page
 * (ExportService), which Mastodon's import (and ours, `POST /api/v1/mammut/imports`) reads:
 * - `GET /api/v1/mammut/exports/following_accounts.csv`: `Account address,Show boosts,Notify on new posts,Languages`;
 * - `GET /api/v1/mammut/exports/blocked_accounts.csv`: one address a line, no header;
 * - `GET /api/v1/mammut/exports/muted_accounts.csv`: `Account address,Hide notifications`;
 * - `GET /api/v1/mammut/exports/bookmarks.csv`: one status URI a line, no header.
 * Addresses are full (`user@domain`, local accounts too), newest first.
 */
@Controller('api/v1/mammut/exports')
export class ExportsController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
  ) {}

  @Get('following_accounts.csv')
  @Header('content-type', CSV_TYPE)
  @Auth.user('read:follows')
  async following(@CurrentUser() user: UserState): Promise<string> {
    const rows = await everyRow((page) =>
      this.bus.request(contracts.accounts.relationships.listFollowing, {
        accountId: user.accountId,
        viewerId: user.accountId,
        page,
      }),
    );
    const relationships = await this.relationships(
      user,
      rows.map((row) => row.account),
    );
    return toCsv([
      ['Account address', 'Show boosts', 'Notify on new posts', 'Languages'],
      ...rows.map(({ account }) => {
        const relationship = relationships.get(account.id);
        return [
          this.address(account),
          String(relationship?.showingReblogs ?? true),
          String(relationship?.notifying ?? false),
          relationship?.languages?.join(', ') ?? '',
        ];
      }),
    ]);
  }

  @Get('blocked_accounts.csv')
  @Header('content-type', CSV_TYPE)
  @Auth.user('read:blocks')
  async blocked(@CurrentUser() user: UserState): Promise<string> {
    const rows = await everyRow((page) =>
      this.bus.request(contracts.accounts.relationships.listBlocks, { viewerId: user.accountId, page }),
    );
    return toCsv(rows.map(({ account }) => [this.address(account)]));
  }

  @Get('muted_accounts.csv')
  @Header('content-type', CSV_TYPE)
  @Auth.user('read:mutes')
  async muted(@CurrentUser() user: UserState): Promise<string> {
    const rows = await everyRow((page) =>
      this.bus.request(contracts.accounts.relationships.listMutes, { viewerId: user.accountId, page }),
    );
    const relationships = await this.relationships(
      user,
      rows.map((row) => row.account),
    );
    return toCsv([
      ['Account address', 'Hide notifications'],
      ...rows.map(({ account }) => [
        this.address(account),
        String(relationships.get(account.id)?.mutingNotifications ?? true),
      ]),
    ]);
  }

  @Get('bookmarks.csv')
  @Header('content-type', CSV_TYPE)
  @Auth.user('read:bookmarks')
  async bookmarks(@CurrentUser() user: UserState): Promise<string> {
    const rows = await everyRow((page) =>
      this.bus.request(contracts.statuses.interactions.listBookmarks, { accountId: user.accountId, page }),
    );
    return toCsv(rows.map(({ status }) => [status.uri]));
  }

  /** Mastodon's export writes local accounts with the local domain, so the file means the same elsewhere. */
  private address(account: AccountRecord): string {
    return `${account.username}@${account.domain ?? this.ctx.localDomain}`;
  }

  /** The viewer's relationships to the accounts, by account id, a page of ids per request. */
  private async relationships(
    user: UserState,
    accounts: readonly AccountRecord[],
  ): Promise<Map<string, RelationshipRecord>> {
    const byId = new Map<string, RelationshipRecord>();
    for (let i = 0; i < accounts.length; i += PAGE) {
      const { relationships } = await this.bus.request(contracts.accounts.relationships.getRelationships, {
        viewerId: user.accountId,
        ids: accounts.slice(i, i + PAGE).map((account) => account.id),
        withSuspended: true,
      });
      for (const relationship of relationships) byId.set(relationship.id, relationship);
    }
    return byId;
  }
}
