import { Controller, Get, Header, Inject, Query } from '@nestjs/common';
import { type AccountRecord, contracts, SEARCH_LIMITS, type StatusRecord } from '@mammut/contracts';
import {
  type MAccount,
  type MStatus,
  type MTag,
  type SerializeContext,
  serializeTag,
} from '@mammut/mastodon-api';
import { BUS, type Bus } from '@mammut/platform';
import { Auth, ViewerAccountId } from '../../auth/auth.decorator';
import { HttpError } from '../../http/errors';
import { serializeWithMoved } from '../../http/moved-accounts';
import { isId, toBool, toLimit, toStr } from '../../http/params';
import { JSON_CONTENT_TYPE, type JsonText } from '../../http/rendered-json';
import { SERIALIZE_CONTEXT } from '../../http/serialize-context';
import { StatusPresenter } from '../v1/statuses/status-presenter';
import { AccountFinder, answered } from './account-finder';

export interface MSearch {
  accounts: MAccount[];
  statuses: MStatus[];
  hashtags: MTag[];
}

const URL_QUERY = /^https?:\/\//i;

/** The longest URL looked up or resolved, as the contracts bound URIs. */
const URL_MAX = 2048;

type Kind = 'accounts' | 'statuses' | 'hashtags';
type Wanted = (kind: Kind) => boolean;

/**
 * The answer as JSON text: the statuses as the presenter renders them for lists (the part every
 * viewer shares rendered once per change), the rest as it comes.
 */
const searchJson = (
  accounts: readonly MAccount[],
  statuses: JsonText<MStatus[]>,
  hashtags: readonly MTag[],
): JsonText<MSearch> =>
  `{"accounts":${JSON.stringify(accounts)},"statuses":${statuses},"hashtags":${JSON.stringify(hashtags)}}`;

/** A non-negative whole `offset`; anything else is the first page. */
const toOffset = (value: unknown): number => {
  const parsed = Number.parseInt(toStr(value) ?? '', 10);
  return Number.isFinite(parsed) && parsed > 0 ? Math.min(parsed, SEARCH_LIMITS.maxOffset) : 0;
};

/**
 * `GET /api/v2/search`, as Mastodon's SearchService. A URL names one thing: a status known here by
 * it (its uri, or its page), else with `resolve=true` (a signed-in user only, as Mastodon
 * requires) the actor or status federation resolves (WebFinger and the actor document; the status
 * fetched and stored, as ResolveURLService does). Anything else is searched in the search index:
 * accounts (the exact handle first, resolved when asked, then by prefix), statuses by full text
 * with Mastodon's operators (signed-in viewers only, as Mastodon searches none for others) and
 * hashtags by prefix. Statuses are presented as anywhere else, to a viewer who may see them,
 * without what it blocks or mutes; accounts it keeps away are left out.
 */
@Controller('api/v2/search')
export class SearchController {
  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERIALIZE_CONTEXT) private readonly ctx: SerializeContext,
    private readonly presenter: StatusPresenter,
    private readonly finder: AccountFinder,
  ) {}

  @Get()
  @Auth.optional('read:search')
  @Header('content-type', JSON_CONTENT_TYPE)
  async search(
    @Query() query: Record<string, unknown>,
    @ViewerAccountId() viewerId: string | null,
  ): Promise<JsonText<MSearch>> {
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
    if (URL_QUERY.test(q)) {
      const { accounts, statuses } = await this.byUrl(q, resolve, wanted);
      return searchJson(
        await serializeWithMoved(this.bus, this.ctx, accounts),
        await this.presenter.presentJson(statuses, viewerId),
        [],
      );
    }
    const limit = toLimit(query.limit, SEARCH_LIMITS.defaultLimit, SEARCH_LIMITS.maxLimit);
    const offset = toOffset(query.offset);
    const following = toBool(query.following) === true;
    const accountId = toStr(query.account_id);
    const [accounts, found] = await Promise.all([
      wanted('accounts') ? this.finder.find(q, viewerId, { resolve, following, limit, offset }) : [],
      wanted('statuses') || wanted('hashtags')
        ? this.bus.request(contracts.search.query, {
            viewerId,
            q: q.slice(0, SEARCH_LIMITS.queryLength),
            type: type === 'statuses' || type === 'hashtags' ? type : null,
            limit,
            offset,
            accountId: accountId !== undefined && isId(accountId) ? accountId : null,
            excludeUnreviewed: toBool(query.exclude_unreviewed) === true,
          })
        : { statusIds: [], hashtags: [] },
    ]);
    return searchJson(
      await serializeWithMoved(this.bus, this.ctx, accounts),
      wanted('statuses') ? await this.statuses(found.statusIds, viewerId) : '[]',
      wanted('hashtags') ? await this.hashtags(found.hashtags, viewerId) : [],
    );
  }

  /**
   * Found statuses as the viewer may see them, in the index's order: the presenter applies
   * visibility, blocks and domain blocks again, and (as Mastodon's StatusFilter does for search)
   * leaves out authors the viewer blocks or mutes and limited ones it does not follow. Keyword
   * filters only mark them (`filtered`), as the client hides them.
   */
  private async statuses(ids: string[], viewerId: string | null): Promise<JsonText<MStatus[]>> {
    if (!ids.length || viewerId === null) return '[]';
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, { ids });
    const byId = new Map(statuses.map((status) => [status.id, status]));
    const ordered = ids.flatMap((id) => byId.get(id) ?? []);
    return this.presenter.presentJson(ordered, viewerId, { context: 'public', filterContext: null });
  }

  private async hashtags(names: string[], viewerId: string | null): Promise<MTag[]> {
    if (!names.length) return [];
    const { tags } = await this.bus.request(contracts.statuses.tags.getTags, { names, viewerId });
    return tags.map((tag) => serializeTag(tag, this.ctx, viewerId !== null));
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
    const accounts = wanted('accounts') ? await this.finder.resolved({ uri: url }) : [];
    if (accounts.length || !wanted('statuses')) return { accounts, statuses: [] };
    return { accounts: [], statuses: await this.resolvedStatus(url) };
  }

  /** The status federation fetches and stores for the URL; none when it names none we may show. */
  private async resolvedStatus(uri: string): Promise<StatusRecord[]> {
    const found = await answered(() =>
      this.bus.request(contracts.federation.remoteStatuses.resolve, { uri }),
    );
    if (!found) return [];
    const { statuses } = await this.bus.request(contracts.statuses.statuses.getStatuses, {
      ids: [found.statusId],
    });
    return statuses;
  }
}
